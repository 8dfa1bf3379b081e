// package-lock.json / npm-shrinkwrap.json, lockfileVersion 1, 2 and 3.
// v2 and v3 carry a flat "packages" map keyed by install path; v1 (and v2, for old npm) a nested
// "dependencies" tree. v2 has both: we read "packages", the one npm 7+ itself trusts.
import { z } from 'zod';
import { LockfileError } from '../errors.ts';
import { isNonRegistrySpec, looksLikeVersion, splitNameAt } from '../shared/names.ts';
import { parseJsonText, validateData } from '../shared/parse-data.ts';
import { baseName } from '../shared/path.ts';
import { keyPath, locateKeyPath } from '../shared/text.ts';
import type { LockfileManager, ParseResult, ResolvedPackage } from '../types.ts';

const WHAT = 'package-lock.json';

const packageEntry = z.looseObject({
  name: z.string().optional(),
  version: z.string().optional(),
  resolved: z.string().optional(),
  link: z.boolean().optional(),
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
    const packages = lock.packages ? fromPackagesMap(lock.packages) : fromDependencyTree(lock.dependencies ?? {}, [], text, file);
    return { packages, notes: [] };
  },
};

function fromPackagesMap(packages: Record<string, z.infer<typeof packageEntry>>): ResolvedPackage[] {
  const out: ResolvedPackage[] = [];
  for (const [path, entry] of Object.entries(packages)) {
    // "" is the root project; paths without node_modules/ are workspace folders; links point at them.
    const at = path.lastIndexOf('node_modules/');
    if (path === '' || at < 0 || entry.link) continue;
    if (!looksLikeVersion(entry.version)) continue;
    if (entry.resolved !== undefined && isNonRegistrySpec(entry.resolved)) continue;
    // An aliased install ("string-width-cjs": "npm:string-width@4") lives at the alias path but carries the real name.
    const name = entry.name ?? path.slice(at + 'node_modules/'.length);
    out.push({ ecosystem: 'npm', name, version: entry.version });
  }
  return out;
}

function fromDependencyTree(
  dependencies: Record<string, unknown>,
  parents: string[],
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
    const entry = raw as { version: string; resolved?: unknown; dependencies?: unknown };
    const resolved = resolveV1(name, entry.version, typeof entry.resolved === 'string' ? entry.resolved : undefined);
    if (resolved) out.push(resolved);
    if (entry.dependencies !== undefined) {
      if (typeof entry.dependencies !== 'object' || entry.dependencies === null) {
        throw new LockfileError('"dependencies" is not an object (not a valid package-lock.json)', {
          file,
          key: keyPath([...path, 'dependencies']),
          line: locateKeyPath(text, path),
        });
      }
      out.push(...fromDependencyTree(entry.dependencies as Record<string, unknown>, path, text, file));
    }
  }
  return out;
}

/** v1 writes aliases as "npm:real-name@1.2.3" and local or git installs as a spec in "version". */
function resolveV1(name: string, version: string, resolved: string | undefined): ResolvedPackage | null {
  if (version.startsWith('npm:')) {
    const alias = splitNameAt(version.slice(4));
    return alias && looksLikeVersion(alias.spec) ? { ecosystem: 'npm', name: alias.name, version: alias.spec } : null;
  }
  if (!looksLikeVersion(version) || isNonRegistrySpec(version)) return null;
  if (resolved !== undefined && isNonRegistrySpec(resolved)) return null;
  return { ecosystem: 'npm', name, version };
}
