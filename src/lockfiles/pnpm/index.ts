// pnpm-lock.yaml, lockfileVersion 5.x, 6.x and 9.x. The "packages" map lists every resolved package:
//   5.x  "/name/1.2.3_peer@1.0.0"      6.x  "/name@1.2.3(peer@1.0.0)"      9.x  "name@1.2.3"
// (9.x moves the peer-specific copies to "snapshots"). File tarballs, folders, git and URL packages are read
// with their source; links (workspace members) are the project's own code and left out. pnpm has no install
// paths: each entry records who depends on it (packages by name, projects as "importer <path>"), which pairs
// a changed entry with its counterpart.
import { LockfileError } from '../errors.ts';
import { looksLikeVersion, splitNameAt } from '../shared/names.ts';
import { parseYamlText } from '../shared/parse-data.ts';
import { baseName } from '../shared/path.ts';
import { refOf, sourceOfResolved, sourceOfSpec } from '../shared/sources.ts';
import { findLine } from '../shared/text.ts';
import type { DependencyRoots, LockfileManager, PackageSource, ParseResult, ResolvedPackage } from '../types.ts';

const WHAT = 'pnpm-lock.yaml';

type Dict = Record<string, unknown>;

export const pnpmManager: LockfileManager = {
  kind: 'pnpm',
  ecosystem: 'npm',
  matchesPath: (path) => baseName(path) === 'pnpm-lock.yaml',
  sniff: (text) => /^lockfileVersion:\s*['"]?\d/m.test(text.slice(0, 300)),
  parse(text, file): ParseResult {
    const data = parseYamlText(text, file, WHAT);
    if (!isDict(data) || data.lockfileVersion === undefined) {
      throw new LockfileError(`no "lockfileVersion" at the top level (not a valid ${WHAT})`, { file, line: 1 });
    }
    const major = Math.floor(Number.parseFloat(String(data.lockfileVersion)));
    if (!Number.isFinite(major)) {
      throw new LockfileError(`"lockfileVersion" is not a number (not a valid ${WHAT})`, { file, key: 'lockfileVersion', line: 1 });
    }
    const packagesMap = optionalDict(data.packages, 'packages', text, file);
    const snapshots = optionalDict(data.snapshots, 'snapshots', text, file);

    const dependents = dependentsOf(data, major >= 9 ? snapshots : packagesMap, packagesMap, major);
    const requires = requiresOf(major >= 9 ? snapshots : packagesMap);
    const packages: ResolvedPackage[] = [];
    for (const [key, raw] of Object.entries(packagesMap)) {
      if (!isDict(raw) || !isDict(raw.resolution)) {
        throw new LockfileError(`package entry has no "resolution" (not a valid ${WHAT}; the file may be truncated)`, {
          file,
          key: `packages["${key}"]`,
          line: lineOfKey(text, key),
        });
      }
      const resolved = resolveEntry(key, raw, major);
      const selectedBy = [...(dependents.get(key) ?? [])].sort();
      if (!resolved) continue;
      packages.push({
        ...resolved,
        ...(selectedBy.length > 0 ? { selectedBy } : {}),
        // 5.x and 6.x mark each entry dev: true/false; 9.x leaves it to the graph from the importers.
        ...(typeof raw.dev === 'boolean' ? { dev: raw.dev } : {}),
        direct: selectedBy.some((who) => who.startsWith('importer ')),
        ...(requires.get(key)?.size ? { requires: [...requires.get(key)!] } : {}),
      });
    }

    if (major >= 9) checkReferencesV9(data, packagesMap, snapshots, text, file);
    else if (major >= 6) checkReferences(data, packagesMap, packagesMap, text, file);
    return { packages, notes: [], roots: importerRoots(data) };
  },
};

function resolveEntry(key: string, entry: Dict, major: number): ResolvedPackage | null {
  const parsed = parseKey(key, major);
  const name = typeof entry.name === 'string' ? entry.name : parsed?.name;
  if (name === undefined) return null;
  const source = sourceOfEntry(key, entry.resolution as Dict, parsed?.version);
  if (source) {
    const version = looksLikeVersion(entry.version) ? entry.version : refOf(source);
    return { ecosystem: 'npm', name, version, source };
  }
  if (parsed && looksLikeVersion(parsed.version)) return { ecosystem: 'npm', name, version: parsed.version };
  // A tarball keyed by URL: pnpm records the name and version it found inside.
  if (looksLikeVersion(entry.version)) return { ecosystem: 'npm', name, version: entry.version };
  return null;
}

/**
 * Where a package entry comes from: {directory, type: directory} a folder, {commit, repo, type: git} a git
 * checkout, {tarball} a file or URL tarball (or a git host's tarball of a commit); {integrity} alone, or a
 * registry's tarball URL, is a registry release.
 */
function sourceOfEntry(key: string, resolution: Dict, keyVersion: string | undefined): PackageSource | null {
  if (resolution.type === 'directory' || typeof resolution.directory === 'string') {
    return { kind: 'directory', spec: `file:${String(resolution.directory ?? key)}` };
  }
  if (resolution.type === 'git' || typeof resolution.repo === 'string') {
    const commit = typeof resolution.commit === 'string' ? resolution.commit : undefined;
    // Written as the spec a package.json would give ("git+https://…#<commit>"), so a pin can install it.
    const repo = String(resolution.repo);
    const spec = `${/^(https?|file|ssh):/.test(repo) ? `git+${repo}` : repo}${commit ? `#${commit}` : ''}`;
    return { kind: 'git', spec, ...(commit ? { commit } : {}) };
  }
  if (typeof resolution.tarball === 'string') {
    const fromTarball = sourceOfResolved(resolution.tarball);
    if (fromTarball) return fromTarball;
  }
  // 6.x keys a file or git package by its spec ("file:vendor/x.tgz", "github.com/o/r/<sha>").
  if (keyVersion !== undefined && !looksLikeVersion(keyVersion)) {
    return sourceOfSpec(keyVersion) ?? (/^[\w.-]+\.[a-z]+\/[^/]+\/[^/]+\/[0-9a-f]{7,40}$/i.test(keyVersion) ? gitHostSource(keyVersion) : null);
  }
  return null;
}

/** 6.x writes a hosted git package as "github.com/owner/repo/<commit>". */
function gitHostSource(path: string): PackageSource {
  const commit = path.slice(path.lastIndexOf('/') + 1);
  return { kind: 'git', spec: `https://${path.slice(0, path.lastIndexOf('/'))}.git#${commit}`, commit };
}

function parseKey(key: string, major: number): { name: string | undefined; version: string } | null {
  const path = key.startsWith('/') ? key.slice(1) : key;
  if (major < 6) {
    const slash = path.lastIndexOf('/');
    if (slash <= 0) return null;
    return { name: path.slice(0, slash), version: path.slice(slash + 1).split('_')[0] };
  }
  const withoutPeers = stripPeers(path);
  // 6.x keys file and git packages by their spec alone ("file:vendor/x.tgz", "github.com/o/r/<sha>").
  if (!key.startsWith('/') && (/^[a-z+]+:/i.test(withoutPeers) || /^[\w.-]+\.[a-z]+\//i.test(withoutPeers))) {
    return { name: undefined, version: withoutPeers };
  }
  const parsed = splitNameAt(withoutPeers);
  return parsed ? { name: parsed.name, version: parsed.spec } : null;
}

/**
 * Who depends on each package entry: the names of the packages whose snapshots (9.x) or entries (older)
 * reference it, and "importer <path>" for the projects that list it. Keyed by the "packages" key.
 */
function dependentsOf(data: Dict, referrers: Dict, packagesMap: Dict, major: number): Map<string, Set<string>> {
  const byId = new Map<string, string>();
  for (const key of Object.keys(packagesMap)) byId.set(idOf(key, major), key);
  const out = new Map<string, Set<string>>();
  const add = (name: string, ref: string, who: string): void => {
    const bare = major < 6 ? ref.split('_')[0] : stripPeers(ref);
    const candidates = bare.startsWith('/') ? [idOf(bare, major)] : [`${name}@${bare}`, bare, idOf(bare, major)];
    const key = candidates.map((id) => byId.get(id)).find((found) => found !== undefined);
    if (key === undefined) return;
    let set = out.get(key);
    if (!set) out.set(key, (set = new Set()));
    set.add(who);
  };
  const importers = isDict(data.importers) ? data.importers : { '.': data };
  for (const [importer, project] of Object.entries(importers)) {
    if (isDict(project)) for (const [name, ref] of directRefs(project)) add(name, ref, `importer ${importer}`);
  }
  for (const [key, entry] of Object.entries(referrers)) {
    if (!isDict(entry)) continue;
    const who = (typeof entry.name === 'string' ? entry.name : parseKey(key, major)?.name) ?? key;
    for (const field of ['dependencies', 'optionalDependencies']) {
      const deps = entry[field];
      if (!isDict(deps)) continue;
      for (const [name, ref] of Object.entries(deps)) if (typeof ref === 'string') add(name, ref, who);
    }
  }
  return out;
}

/**
 * What each package entry depends on, by name: from its own entry (5.x, 6.x) or from its snapshots (9.x,
 * keyed "name@1.0.0(peer@2.0.0)": every peer variant of a "packages" key adds its dependencies).
 */
function requiresOf(entries: Dict): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [key, entry] of Object.entries(entries)) {
    if (!isDict(entry)) continue;
    const base = stripPeers(key);
    let set = out.get(base);
    if (!set) out.set(base, (set = new Set()));
    if (base !== key) out.set(key, set);
    for (const field of ['dependencies', 'optionalDependencies']) {
      const deps = entry[field];
      if (isDict(deps)) for (const name of Object.keys(deps)) set.add(name);
    }
  }
  return out;
}

/** The projects' own dependency lists (every importer; 5.x single projects keep them at the top level). */
function importerRoots(data: Dict): DependencyRoots {
  const roots: DependencyRoots = { runtime: [], dev: [] };
  const importers = isDict(data.importers) ? data.importers : { '.': data };
  for (const project of Object.values(importers)) {
    if (!isDict(project)) continue;
    for (const field of ['dependencies', 'optionalDependencies']) if (isDict(project[field])) roots.runtime.push(...Object.keys(project[field]));
    if (isDict(project.devDependencies)) roots.dev.push(...Object.keys(project.devDependencies));
  }
  return roots;
}

/** A package key reduced to "name@version" (no leading slash, no peers) so references can find it. */
function idOf(key: string, major: number): string {
  const parsed = parseKey(key, major);
  if (!parsed) return key;
  return parsed.name === undefined ? parsed.version : `${parsed.name}@${parsed.version}`;
}

function stripPeers(key: string): string {
  const paren = key.indexOf('(');
  return paren < 0 ? key : key.slice(0, paren);
}

/**
 * pnpm writes an entry for every version it references, so a reference with no entry means a file cut short
 * (or hand-edited). Targets: "packages" keys (6.x) or "snapshots" keys (9.x).
 */
function checkReferences(data: Dict, entries: Dict, targets: Dict, text: string, file: string): void {
  const exists = (name: string, ref: string): boolean =>
    ref.startsWith('link:') ||
    ref.startsWith('file:') ||
    ref in targets ||
    `/${name}@${ref}` in targets ||
    `${name}@${ref}` in targets ||
    `/${ref}` in targets;

  const importers = isDict(data.importers) ? data.importers : { '.': data };
  for (const [importer, project] of Object.entries(importers)) {
    if (!isDict(project)) continue;
    for (const [name, ref] of directRefs(project)) {
      if (!exists(name, ref)) {
        throw missingReference(`importer "${importer}"`, name, ref, text, file, findLine(text, /^(importers|dependencies|devDependencies):/m));
      }
    }
  }
  for (const [key, entry] of Object.entries(entries)) {
    if (!isDict(entry)) continue;
    for (const field of ['dependencies', 'optionalDependencies']) {
      const deps = entry[field];
      if (!isDict(deps)) continue;
      for (const [name, ref] of Object.entries(deps)) {
        if (typeof ref === 'string' && !exists(name, ref)) {
          throw missingReference(`"${key}"`, name, ref, text, file, lineOfKey(text, key));
        }
      }
    }
  }
}

function checkReferencesV9(data: Dict, packagesMap: Dict, snapshots: Dict, text: string, file: string): void {
  checkReferences(data, snapshots, snapshots, text, file);
  for (const key of Object.keys(snapshots)) {
    if (!(stripPeers(key) in packagesMap)) {
      throw new LockfileError(`snapshot "${key}" has no entry in "packages" (not a valid ${WHAT})`, {
        file,
        key: `snapshots["${key}"]`,
        line: lineOfKey(text, key),
      });
    }
  }
  const snapshotBases = new Set(Object.keys(snapshots).map(stripPeers));
  for (const key of Object.keys(packagesMap)) {
    if (snapshotBases.has(key)) continue;
    throw new LockfileError(`package "${key}" has no entry in "snapshots": the file looks truncated`, {
      file,
      key: `packages["${key}"]`,
      line: lineOfKey(text, key),
    });
  }
}

/** The direct dependencies of one project: { name: { specifier, version } } (6+) or { name: version } (5). */
function* directRefs(project: Dict): Generator<[string, string]> {
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    const deps = project[field];
    if (!isDict(deps)) continue;
    for (const [name, value] of Object.entries(deps)) {
      const ref = typeof value === 'string' ? value : isDict(value) ? value.version : undefined;
      if (typeof ref === 'string') yield [name, ref];
    }
  }
}

function missingReference(from: string, name: string, ref: string, text: string, file: string, line?: number): LockfileError {
  return new LockfileError(
    `${from} depends on ${name} ${ref}, which has no entry: the file looks truncated or hand-edited (run pnpm install)`,
    { file, line },
  );
}

function optionalDict(value: unknown, key: string, text: string, file: string): Dict {
  if (value === undefined || value === null) return {};
  if (!isDict(value)) {
    throw new LockfileError(`"${key}" is not a mapping (not a valid ${WHAT})`, { file, key, line: findLine(text, new RegExp(`^${key}:`, 'm')) });
  }
  return value;
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lineOfKey(text: string, key: string): number | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return findLine(text, new RegExp(`^  ['"]?${escaped}['"]?:`, 'm'));
}
