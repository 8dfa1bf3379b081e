// A candidate's yarn.lock (yarn 1): base's entries, with the pinned packages' entries replaced. Entries are
// keyed by what asked for them ("name@range"); a package at head's release takes head's entries for it and,
// for each dependency it asks for, head's entry for that same request (so its dependencies are locked as
// at head). A release neither side locks is made from the registry's manifest; what it asks for resolves
// to a locked release that satisfies it (head's first), else the newest one that does. Requests only the
// old release made are dropped. `yarn install --frozen-lockfile` then installs exactly this.
import * as lockfile from '@yarnpkg/lockfile';
import semver from 'semver';
import { admits } from './manifest-specs.ts';
import { SpliceUnsupported, type RegistryView } from './types.ts';

interface YarnEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

type YarnLock = Record<string, YarnEntry>;

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

/** "name" of a request key "name@range" (scoped names start with "@"). */
export function requestName(key: string): string {
  return key.slice(0, key.indexOf('@', 1));
}

function requestRange(key: string): string {
  return key.slice(key.indexOf('@', 1) + 1);
}

function parse(text: string, which: string): YarnLock {
  const parsed = lockfile.parse(text);
  if (parsed.type !== 'success') throw new SpliceUnsupported(`${which} yarn.lock has merge conflicts`);
  return parsed.object as YarnLock;
}

function wanted(entry: YarnEntry): [string, string][] {
  return [...Object.entries(entry.dependencies ?? {}), ...Object.entries(entry.optionalDependencies ?? {})];
}

/** Request keys reachable from the project's package.json. */
function reachable(lock: YarnLock, manifest: Record<string, unknown>): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, spec] of Object.entries((manifest[field] as Record<string, string> | undefined) ?? {})) queue.push(`${name}@${spec}`);
  }
  while (queue.length > 0) {
    const key = queue.shift()!;
    if (seen.has(key) || !lock[key]) continue;
    seen.add(key);
    for (const [d, r] of wanted(lock[key])) queue.push(`${d}@${r}`);
  }
  return seen;
}

const sameRelease = (a: YarnEntry | undefined, b: YarnEntry | undefined) => !!a && !!b && a.version === b.version && a.resolved === b.resolved;

export async function spliceYarnClassic(
  base: { manifest: string; lockfile: string }, head: { manifest: string; lockfile: string }, versions: Record<string, string>,
  specFor: (name: string, version: string, takesHead: boolean) => string | undefined, registry: RegistryView,
): Promise<{ text: string; specs: Map<string, string> }> {
  const baseLock = parse(base.lockfile, "base's");
  const headLock = parse(head.lockfile, "head's");
  // structuredClone keeps entries shared by several requests shared: yarn writes those as one entry.
  const cand: YarnLock = structuredClone(baseLock);
  const specs = new Map<string, string>();
  const baseManifest = JSON.parse(base.manifest) as Record<string, unknown>;
  const requestsOf = (lock: YarnLock, name: string) => Object.keys(lock).filter((k) => requestName(k) === name);
  /** The candidate's own object for a release when it already has one: requests of one release share an entry. */
  const shared = (name: string, entry: YarnEntry): YarnEntry =>
    requestsOf(cand, name).map((k) => cand[k]).find((e) => sameRelease(e, entry)) ?? entry;

  /** Head's entry for a request, and head's entries for what it asks for, unless base already locks the same. */
  const takeFromHead = (key: string, seen: Set<string>): void => {
    if (seen.has(key) || !headLock[key]) return;
    seen.add(key);
    if (!sameRelease(cand[key], headLock[key])) cand[key] = shared(requestName(key), headLock[key]);
    for (const [d, r] of wanted(headLock[key])) takeFromHead(`${d}@${r}`, seen);
  };

  /** Gives every request the entry at `key` makes a locked (head's first) or registry release that satisfies it. */
  const fillMissing = async (key: string, depth = 0): Promise<void> => {
    if (depth > 50) throw new SpliceUnsupported(`the dependencies of ${key} nest deeper than 50 levels`);
    for (const [dep, range] of wanted(cand[key])) {
      const request = `${dep}@${range}`;
      if (cand[request]) continue;
      const locked = [headLock, baseLock]
        .flatMap((lock) => Object.keys(lock).filter((k) => requestName(k) === dep).map((k) => lock[k]))
        .filter((e) => semver.valid(e.version) !== null && admits(range, e.version))
        .sort((a, b) => semver.rcompare(a.version, b.version));
      if (locked.length > 0) {
        cand[request] = shared(dep, locked[0]);
        continue;
      }
      const best = semver.maxSatisfying(await registry.versions(dep), range);
      if (!best) throw new SpliceUnsupported(`no release of ${dep} satisfies ${range}`);
      cand[request] = await entryFromRegistry(registry, dep, best);
      await fillMissing(request, depth + 1);
    }
  };

  for (const [name, version] of Object.entries(versions)) {
    const headRequests = requestsOf(headLock, name).filter((k) => headLock[k].version === version || requestRange(k) === version || headLock[k].resolved === version);
    const baseRequests = requestsOf(baseLock, name);
    const takesHead = headRequests.length > 0 && !headRequests.every((k) => baseRequests.some((b) => sameRelease(baseLock[b], headLock[k])));
    const spec = specFor(name, version, takesHead);
    if (spec !== undefined) specs.set(name, spec);
    if (takesHead) {
      const theirs = headLock[headRequests[0]];
      for (const key of headRequests) takeFromHead(key, new Set());
      // Base's other requests for it: the new release where it satisfies them (as yarn would dedupe).
      for (const key of baseRequests) if (!headRequests.includes(key) && admits(requestRange(key), theirs.version)) cand[key] = theirs;
      if (spec !== undefined && !cand[`${name}@${spec}`]) cand[`${name}@${spec}`] = theirs;
      continue;
    }
    if (baseRequests.some((k) => baseLock[k].version === version || requestRange(k) === version)) continue;
    if (semver.valid(version) === null) throw new SpliceUnsupported(`${name}@${version} is neither side's and not a registry release`);
    const entry = await entryFromRegistry(registry, name, version);
    const keys = baseRequests.filter((k) => admits(requestRange(k), version));
    if (spec !== undefined) keys.push(`${name}@${spec}`);
    if (keys.length === 0) throw new SpliceUnsupported(`nothing in base asks for ${name} in a way ${version} satisfies`);
    for (const key of new Set(keys)) cand[key] = entry;
    await fillMissing(keys[0]);
  }

  // Requests only the replaced releases made go; what base had for other reasons stays.
  const candManifest = { ...baseManifest };
  for (const field of DEPENDENCY_FIELDS) {
    const deps = candManifest[field] as Record<string, string> | undefined;
    if (!deps) continue;
    candManifest[field] = { ...deps };
    for (const [name, spec] of specs) if (name in deps) (candManifest[field] as Record<string, string>)[name] = spec;
  }
  const before = reachable(baseLock, baseManifest);
  const after = reachable(cand, candManifest);
  for (const key of Object.keys(cand)) if (before.has(key) && !after.has(key)) delete cand[key];
  return { text: lockfile.stringify(cand), specs };
}

async function entryFromRegistry(registry: RegistryView, name: string, version: string): Promise<YarnEntry> {
  const m = await registry.manifest(name, version);
  if (!m.dist?.tarball) throw new SpliceUnsupported(`the registry has no tarball for ${name}@${version}`);
  const entry: YarnEntry = { version, resolved: m.dist.shasum ? `${m.dist.tarball}#${m.dist.shasum}` : m.dist.tarball };
  if (m.dist.integrity) entry.integrity = m.dist.integrity;
  if (m.dependencies && Object.keys(m.dependencies).length > 0) entry.dependencies = m.dependencies;
  if (m.optionalDependencies && Object.keys(m.optionalDependencies).length > 0) entry.optionalDependencies = m.optionalDependencies;
  return entry;
}
