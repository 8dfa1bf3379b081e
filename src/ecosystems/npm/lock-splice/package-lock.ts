// A candidate's package-lock.json (v2/v3): base's lockfile with the pinned packages' entries replaced.
// A package at head's release takes head's entry and everything it resolved to at head (its nested copies,
// and the copies of its dependencies head resolved elsewhere, placed where head placed them unless that
// would change what a base package resolves to — then nested under the pinned package). A release that
// neither side locks is made from the registry's manifest, its dependencies resolved to a locked copy
// (head's first) that satisfies them, else to the newest release that does. Entries only the old copy
// needed are dropped; everything else stays byte for byte base's, so `npm ci` installs exactly that tree.
import { admits } from './manifest-specs.ts';
import { SpliceUnsupported, type RegistryManifest, type RegistryView } from './types.ts';
import semver from 'semver';

export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [field: string]: unknown;
}

interface PackageLock {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
  dependencies?: Record<string, LegacyEntry>;
  [field: string]: unknown;
}

interface LegacyEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  optional?: boolean;
  requires?: Record<string, string>;
  dependencies?: Record<string, LegacyEntry>;
}

const FLAG_FIELDS = ['dev', 'optional', 'devOptional', 'peer'] as const;
const NM = 'node_modules/';

/** The folder a package at `path` is installed in is `path`; its name is what follows the last node_modules/. */
export function nameAt(path: string): string {
  const i = path.lastIndexOf(NM);
  return i < 0 ? path : path.slice(i + NM.length);
}

/** Node's resolution of `dep` required from the package at `from` ("" = the project). */
export function resolveFrom(packages: Record<string, LockEntry>, from: string, dep: string): string | null {
  let at = from;
  for (;;) {
    const candidate = at ? `${at}/${NM}${dep}` : `${NM}${dep}`;
    if (packages[candidate]) return candidate;
    if (!at) return null;
    const i = at.lastIndexOf(`/${NM}`);
    at = i < 0 ? '' : at.slice(0, i);
  }
}

/** Every dependency an entry asks for, with its range (the project's own dev dependencies included). */
function wanted(entry: LockEntry, isRoot: boolean): [string, string][] {
  return [
    ...Object.entries(entry.dependencies ?? {}),
    ...Object.entries(entry.optionalDependencies ?? {}),
    ...Object.entries(entry.peerDependencies ?? {}),
    ...(isRoot ? Object.entries(entry.devDependencies ?? {}) : []),
  ];
}

/** Paths reachable from the project (and its workspaces) by node resolution. */
function reachable(packages: Record<string, LockEntry>): Set<string> {
  const seen = new Set<string>();
  const queue = Object.keys(packages).filter((p) => !p.includes(NM) || p === '');
  while (queue.length > 0) {
    const at = queue.shift()!;
    if (seen.has(at)) continue;
    seen.add(at);
    const entry = packages[at];
    if (!entry) continue;
    if (entry.link && typeof entry.resolved === 'string') queue.push(entry.resolved);
    for (const [dep] of wanted(entry, !at.includes(NM))) {
      const r = resolveFrom(packages, at, dep);
      if (r) queue.push(r);
    }
  }
  return seen;
}

const within = (path: string, top: string) => path === top || path.startsWith(`${top}/${NM}`);

function sameRelease(a: LockEntry | undefined, b: LockEntry | undefined): boolean {
  return !!a && !!b && a.version === b.version && a.resolved === b.resolved && a.integrity === b.integrity;
}

function flagsOf(entry: LockEntry | undefined): Partial<LockEntry> {
  const out: Partial<LockEntry> = {};
  for (const f of FLAG_FIELDS) if (entry?.[f]) out[f] = true;
  return out;
}

/** A lockfile entry made from the registry's manifest of a release, as npm writes one. */
export function entryFromManifest(m: RegistryManifest, flags: Partial<LockEntry>): LockEntry {
  const entry: LockEntry = { version: m.version };
  if (m.dist?.tarball) entry.resolved = m.dist.tarball;
  if (m.dist?.integrity) entry.integrity = m.dist.integrity;
  Object.assign(entry, flags);
  const scripts = m.scripts ?? {};
  if (scripts.preinstall || scripts.install || scripts.postinstall) entry.hasInstallScript = true;
  if (m.license) entry.license = m.license;
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'engines', 'os', 'cpu'] as const) {
    const value = m[field];
    if (value && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0)) (entry as Record<string, unknown>)[field] = value;
  }
  if (m.bin) entry.bin = typeof m.bin === 'string' ? { [m.name?.split('/').pop() ?? '']: m.bin } : m.bin;
  return entry;
}

/** Which side a pinned version is: head's release, base's, or one between. */
function sideOf(entry: LockEntry | undefined, version: string, rootSpec: string | undefined): boolean {
  return !!entry && (entry.version === version || entry.resolved === version || rootSpec === version);
}

function rootSpec(lock: PackageLock, name: string): string | undefined {
  const root = lock.packages?.[''] ?? {};
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const) {
    const spec = root[field]?.[name];
    if (spec) return spec;
  }
  return undefined;
}

/** package-lock v1's nested tree for a top-level path, rebuilt from the packages map (v2 keeps both). */
function legacyOf(packages: Record<string, LockEntry>, path: string): LegacyEntry {
  const e = packages[path];
  const out: LegacyEntry = {};
  if (e.version) out.version = e.version;
  if (e.resolved) out.resolved = e.resolved;
  if (e.integrity) out.integrity = e.integrity;
  if (e.dev) out.dev = true;
  if (e.optional) out.optional = true;
  const requires = { ...e.dependencies, ...e.optionalDependencies };
  if (Object.keys(requires).length > 0) out.requires = requires;
  const prefix = `${path}/${NM}`;
  const children = Object.keys(packages).filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes(`/${NM}`)).sort();
  if (children.length > 0) out.dependencies = Object.fromEntries(children.map((c) => [nameAt(c), legacyOf(packages, c)]));
  return out;
}

export interface PackageLockSplice {
  text: string;
  /** The project's specs for the pinned direct dependencies (package.json must say the same). */
  specs: Map<string, string>;
}

export async function splicePackageLock(
  baseText: string, headText: string, versions: Record<string, string>,
  specFor: (name: string, version: string, takesHead: boolean) => string | undefined, registry: RegistryView,
): Promise<PackageLockSplice> {
  const base = JSON.parse(baseText) as PackageLock;
  const head = JSON.parse(headText) as PackageLock;
  if (!base.packages || !head.packages || (base.lockfileVersion ?? 1) < 2) {
    throw new SpliceUnsupported('package-lock.json v1 has no install paths to splice entries into');
  }
  const basePackages = base.packages;
  const headPackages = head.packages;
  const cand: Record<string, LockEntry> = structuredClone(basePackages);
  const specs = new Map<string, string>();
  const touchedTop = new Set<string>();

  /** Whether some entry outside `except` resolves `path` and wants a range `entry` would not satisfy. */
  const breaksOthers = (path: string, entry: LockEntry, except: string): boolean => {
    const dep = nameAt(path);
    for (const [at, e] of Object.entries(cand)) {
      if (within(at, except)) continue;
      for (const [d, range] of wanted(e, !at.includes(NM))) {
        if (d !== dep || resolveFrom(cand, at, d) !== path) continue;
        if (!entry.version || !admits(range, entry.version)) return true;
      }
    }
    return false;
  };

  /** Copies head's entry at `headPath` (and its nested copies) to `candPath`, then follows its dependencies. */
  const takeFromHead = (headPath: string, candPath: string, top: string, seen: Set<string>): void => {
    if (seen.has(headPath)) return;
    seen.add(headPath);
    for (const key of Object.keys(cand)) if (within(key, candPath)) delete cand[key];
    for (const [key, entry] of Object.entries(headPackages)) {
      if (within(key, headPath)) cand[candPath + key.slice(headPath.length)] = structuredClone(entry);
    }
    if (!candPath.includes(`/${NM}`)) touchedTop.add(candPath);
    // Every dependency head resolved, from every copy just taken.
    for (const key of Object.keys(headPackages).filter((k) => within(k, headPath))) {
      const inCand = candPath + key.slice(headPath.length);
      for (const [dep] of wanted(headPackages[key], false)) {
        const theirs = resolveFrom(headPackages, key, dep);
        if (!theirs || within(theirs, headPath)) continue;
        const mine = resolveFrom(cand, inCand, dep);
        if (mine && sameRelease(cand[mine], headPackages[theirs])) continue;
        // Where head has it, unless that changes what a base package gets: then beside the pinned package.
        const target = cand[theirs] && breaksOthers(theirs, headPackages[theirs], top) ? `${top}/${NM}${dep}` : theirs;
        takeFromHead(theirs, target, top, seen);
      }
    }
  };

  /** Resolves what the entry at `at` wants and the tree cannot give it: a locked copy, else the registry. */
  const fillMissing = async (at: string, top: string, flags: Partial<LockEntry>, depth = 0): Promise<void> => {
    if (depth > 50) throw new SpliceUnsupported(`the dependencies of ${nameAt(top)} nest deeper than 50 levels`);
    for (const [dep, range] of wanted(cand[at], false)) {
      const r = resolveFrom(cand, at, dep);
      if (r && cand[r].version && admits(range, cand[r].version!)) continue;
      if (cand[at].optionalDependencies?.[dep] !== undefined && !cand[at].dependencies?.[dep]) continue;
      if (cand[at].peerDependencies?.[dep] !== undefined && !cand[at].dependencies?.[dep]) continue;
      const locked = [...Object.entries(headPackages), ...Object.entries(basePackages)]
        .filter(([p, e]) => nameAt(p) === dep && e.version && !e.link && admits(range, e.version))
        .sort(([, a], [, b]) => semver.rcompare(a.version!, b.version!));
      const place = `${at}/${NM}${dep}`;
      let entry: LockEntry;
      if (locked.length > 0) {
        entry = structuredClone(locked[0][1]);
      } else {
        const best = semver.maxSatisfying(await registry.versions(dep), range);
        if (!best) throw new SpliceUnsupported(`no release of ${dep} satisfies ${range} (wanted by ${nameAt(at)})`);
        entry = entryFromManifest(await registry.manifest(dep, best), flags);
      }
      for (const f of FLAG_FIELDS) delete entry[f];
      cand[place] = { ...entry, ...flags };
      await fillMissing(place, top, flags, depth + 1);
    }
  };

  for (const [name, version] of Object.entries(versions)) {
    const top = `${NM}${name}`;
    const headEntry = headPackages[top];
    const baseEntry = basePackages[top];
    const takesHead = sideOf(headEntry, version, rootSpec(head, name)) && !sameRelease(headEntry, baseEntry);
    const spec = specFor(name, version, takesHead);
    if (spec !== undefined) specs.set(name, spec);
    if (takesHead) {
      takeFromHead(top, top, top, new Set());
      continue;
    }
    if (sideOf(baseEntry, version, rootSpec(base, name))) continue;
    // A release neither side locks.
    if (semver.valid(version) === null) throw new SpliceUnsupported(`${name}@${version} is neither side's and not a registry release`);
    for (const key of Object.keys(cand)) if (within(key, top)) delete cand[key];
    const flags = flagsOf(baseEntry ?? headEntry);
    cand[top] = entryFromManifest(await registry.manifest(name, version), flags);
    touchedTop.add(top);
    await fillMissing(top, top, flags);
  }

  // The project's own specs (package.json's, mirrored in the root entry).
  const root = cand[''];
  if (root) {
    for (const [name, spec] of specs) {
      for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const) {
        if (root[field]?.[name] !== undefined) root[field]![name] = spec;
      }
    }
  }

  // What only the replaced copies needed goes; what base had for other reasons stays.
  const before = reachable(basePackages);
  const after = reachable(cand);
  for (const key of Object.keys(cand)) if (before.has(key) && !after.has(key)) delete cand[key];

  const out: PackageLock = { ...base, packages: sortedPackages(cand) };
  if (base.dependencies) {
    const legacy = { ...base.dependencies };
    for (const top of touchedTop) {
      const name = nameAt(top);
      if (cand[top]) legacy[name] = legacyOf(cand, top);
    }
    for (const name of Object.keys(legacy)) if (!cand[`${NM}${name}`]) delete legacy[name];
    out.dependencies = Object.fromEntries(Object.keys(legacy).sort().map((k) => [k, legacy[k]]));
  }
  const indent = /^[ \t]+(?=")/m.exec(baseText)?.[0] ?? 2;
  return { text: `${JSON.stringify(out, null, indent)}${baseText.endsWith('\n') ? '\n' : ''}`, specs };
}

/** npm writes the packages map sorted by path, the project first. */
function sortedPackages(packages: Record<string, LockEntry>): Record<string, LockEntry> {
  const keys = Object.keys(packages).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en')));
  return Object.fromEntries(keys.map((k) => [k, packages[k]]));
}
