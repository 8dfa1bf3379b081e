// package-lock.json / npm-shrinkwrap.json, lockfileVersion 1, 2 and 3.
// v2 and v3 carry a flat "packages" map keyed by install path; v1 (and v2, for old npm) a nested
// "dependencies" tree. v2 has both: we read "packages", the one npm 7+ itself trusts. Every entry keeps its
// install path, so the diff compares each copy with the copy at the same place.
import { z } from 'zod';
import { LockfileError } from '../errors.ts';
import { looksLikeVersion, splitNameAt } from '../shared/names.ts';
import { parseJsonText, validateData } from '../shared/parse-data.ts';
import { baseName } from '../shared/path.ts';
import { isProjectLinkSpec, refOf, sourceOfResolved, sourceOfSpec } from '../shared/sources.ts';
import { keyPath, locateKeyPath } from '../shared/text.ts';
import type { DependencyRoots, LockfileManager, PackageSource, ParseResult, ResolvedPackage } from '../types.ts';

const WHAT = 'package-lock.json';

const packageEntry = z.looseObject({
  name: z.string().optional(),
  version: z.string().optional(),
  resolved: z.string().optional(),
  link: z.boolean().optional(),
  dev: z.boolean().optional(),
});

const lockfileSchema = z.looseObject({
  lockfileVersion: z.number({ error: 'missing or non-numeric "lockfileVersion"' }).int().min(1),
  packages: z.record(z.string(), packageEntry).optional(),
  dependencies: z.record(z.string(), z.unknown()).optional(),
});

export const npmManager: LockfileManager = {
  kind: 'npm',
  ecosystem: 'npm',
  matchesPath: (path) => ['package-lock.json', 'npm-shrinkwrap.json'].includes(baseName(path)),
  sniff: (text) => /^\s*\{/.test(text) && /"lockfileVersion"\s*:\s*\d/.test(text.slice(0, 4096)),
  parse(text, file): ParseResult {
    const data = parseJsonText(text, file, WHAT);
    const lock = validateData(lockfileSchema, data, file, WHAT, (path) => locateKeyPath(text, path));
    if (lock.lockfileVersion > 3) {
      throw new LockfileError(`lockfileVersion ${lock.lockfileVersion} is newer than the versions understood (1 to 3)`, {
        file,
        key: 'lockfileVersion',
      });
    }
    const packages = lock.packages
      ? fromPackagesMap(lock.packages)
      : fromDependencyTree(lock.dependencies ?? {}, [], '', text, file);
    // v2/v3 copy the root's and the workspaces' dependency lists in; v1 leaves that to package.json.
    return { packages, notes: [], ...(lock.packages ? { roots: projectRoots(lock.packages) } : {}) };
  },
};

type PackageEntry = z.infer<typeof packageEntry>;

function fromPackagesMap(packages: Record<string, PackageEntry>): ResolvedPackage[] {
  const isWorkspace = workspaceMatcher(packages['']);
  const out: ResolvedPackage[] = [];
  for (const [path, entry] of Object.entries(packages)) {
    // "" is the root project; paths without node_modules/ are folders (workspaces, or the targets of folder
    // dependencies), read through the links that point at them.
    const at = path.lastIndexOf('node_modules/');
    if (path === '' || at < 0) continue;
    const installedAs = path.slice(at + 'node_modules/'.length);
    if (entry.link) {
      const folder = linkedFolder(installedAs, path, entry, packages, isWorkspace);
      if (folder) out.push(folder);
      continue;
    }
    const source = entry.resolved === undefined || isProjectLinkSpec(entry.resolved) ? null : sourceOfResolved(entry.resolved);
    const version = looksLikeVersion(entry.version) ? entry.version : source ? refOf(source) : null;
    if (version === null) continue;
    // An aliased install ("string-width-cjs": "npm:string-width@4") lives at the alias path but carries the real name.
    const name = entry.name ?? installedAs;
    // npm marks what only devDependencies reach with dev: true; everything else is installed in production.
    out.push({ ecosystem: 'npm', name, version, ...(source ? { source } : {}), location: path, dev: entry.dev === true });
  }
  return out;
}

/**
 * A link to a folder: a workspace member (the project itself, left out) or a `file:` folder dependency,
 * whose version is the one its folder entry records.
 */
function linkedFolder(
  installedAs: string,
  path: string,
  entry: PackageEntry,
  packages: Record<string, PackageEntry>,
  isWorkspace: (folder: string) => boolean,
): ResolvedPackage | null {
  const target = entry.resolved;
  if (target === undefined || isWorkspace(target)) return null;
  const folder = packages[target];
  if (!folder || !looksLikeVersion(folder.version)) return null;
  const source: PackageSource = { kind: 'directory', spec: `file:${target}` };
  return { ecosystem: 'npm', name: folder.name ?? installedAs, version: folder.version, source, location: path, dev: entry.dev === true };
}

/** The dependency lists of the root ("") and of every folder entry (workspaces): the project's own. */
function projectRoots(packages: Record<string, PackageEntry>): DependencyRoots {
  const roots: DependencyRoots = { runtime: [], dev: [] };
  for (const [path, entry] of Object.entries(packages)) {
    if (path.includes('node_modules/')) continue;
    const lists = entry as Record<string, unknown>;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) roots.runtime.push(...namesOf(lists[field]));
    roots.dev.push(...namesOf(lists.devDependencies));
  }
  return roots;
}

function namesOf(list: unknown): string[] {
  return list !== null && typeof list === 'object' && !Array.isArray(list) ? Object.keys(list) : [];
}

/** The root's "workspaces" globs ("packages/*", "apps/**"), as npm copies them into the lockfile. */
function workspaceMatcher(root: PackageEntry | undefined): (folder: string) => boolean {
  const raw = (root as { workspaces?: unknown } | undefined)?.workspaces;
  const globs = Array.isArray(raw) ? raw : Array.isArray((raw as { packages?: unknown } | undefined)?.packages) ? (raw as { packages: unknown[] }).packages : [];
  const patterns = globs
    .filter((glob): glob is string => typeof glob === 'string')
    .map((glob) => {
      const body = glob
        .replace(/^\.\//, '')
        .replace(/\/+$/, '')
        .split('/')
        .map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/');
      return new RegExp(`^${body}$`);
    });
  return (folder) => patterns.some((pattern) => pattern.test(folder.replace(/^\.\//, '')));
}

function fromDependencyTree(
  dependencies: Record<string, unknown>,
  parents: string[],
  installPath: string,
  text: string,
  file: string,
): ResolvedPackage[] {
  const out: ResolvedPackage[] = [];
  for (const [name, raw] of Object.entries(dependencies)) {
    const path = [...parents, 'dependencies', name];
    if (typeof raw !== 'object' || raw === null || typeof (raw as { version?: unknown }).version !== 'string') {
      throw new LockfileError('entry has no "version" string (not a valid package-lock.json)', {
        file,
        key: keyPath(path),
        line: locateKeyPath(text, path),
      });
    }
    const entry = raw as { version: string; resolved?: unknown; dependencies?: unknown; dev?: unknown };
    const location = `${installPath}node_modules/${name}`;
    const resolved = resolveV1(name, entry.version, typeof entry.resolved === 'string' ? entry.resolved : undefined);
    if (resolved) out.push({ ...resolved, location, dev: entry.dev === true });
    if (entry.dependencies !== undefined) {
      if (typeof entry.dependencies !== 'object' || entry.dependencies === null) {
        throw new LockfileError('"dependencies" is not an object (not a valid package-lock.json)', {
          file,
          key: keyPath([...path, 'dependencies']),
          line: locateKeyPath(text, path),
        });
      }
      out.push(...fromDependencyTree(entry.dependencies as Record<string, unknown>, path, `${location}/`, text, file));
    }
  }
  return out;
}

/**
 * v1 writes aliases as "npm:real-name@1.2.3", and file, folder, git and URL installs as their spec in
 * "version" (with no version of the package itself: the spec, or the git commit, stands for it).
 */
function resolveV1(name: string, version: string, resolved: string | undefined): ResolvedPackage | null {
  if (version.startsWith('npm:')) {
    const alias = splitNameAt(version.slice(4));
    return alias && looksLikeVersion(alias.spec) ? { ecosystem: 'npm', name: alias.name, version: alias.spec } : null;
  }
  if (isProjectLinkSpec(version)) return null;
  const source = sourceOfSpec(version) ?? (resolved !== undefined && !isProjectLinkSpec(resolved) ? sourceOfResolved(resolved) : null);
  if (source) return { ecosystem: 'npm', name, version: looksLikeVersion(version) ? version : refOf(source), source };
  if (!looksLikeVersion(version)) return null;
  return { ecosystem: 'npm', name, version };
}
