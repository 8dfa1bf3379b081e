// Pipfile.lock (JSON): "_meta" plus one map per package category ("default", "develop", and any custom
// category of newer pipenv), each { name: { version: "==1.2.3", hashes, markers } }, or for a package that
// is not from an index { git, ref } / { file } / { path } (editable paths are the project's own code).
import { z } from 'zod';
import { LockfileError } from '../errors.ts';
import { normalisePypiName } from '../shared/names.ts';
import { parseJsonText, validateData } from '../shared/parse-data.ts';
import { refOf, sourceOfSpec, versionInArchiveName } from '../shared/sources.ts';
import { baseName } from '../shared/path.ts';
import { locateKeyPath } from '../shared/text.ts';
import type { LockfileManager, PackageSource, ParseResult, ResolvedPackage } from '../types.ts';

const WHAT = 'Pipfile.lock';

const entrySchema = z.looseObject({
  version: z.string().optional(),
  path: z.unknown().optional(),
  file: z.unknown().optional(),
  git: z.unknown().optional(),
  ref: z.unknown().optional(),
  editable: z.unknown().optional(),
});

const lockSchema = z
  .object({ _meta: z.looseObject({}, { error: 'missing "_meta" object' }) })
  .catchall(z.record(z.string(), entrySchema));

export const pipenvManager: LockfileManager = {
  kind: 'pipenv',
  ecosystem: 'pypi',
  matchesPath: (path) => baseName(path) === 'Pipfile.lock',
  sniff: (text) => /^\s*\{/.test(text) && /"_meta"\s*:/.test(text.slice(0, 2000)) && /"pipfile-spec"|"default"/.test(text),
  parse(text, file): ParseResult {
    const data = parseJsonText(text, file, WHAT);
    const lock = validateData(lockSchema, data, file, WHAT, (path) => locateKeyPath(text, path));
    const packages: ResolvedPackage[] = [];
    // "develop" is for development; a package also in "default" (or any other category) is needed at runtime.
    const runtimeNames = new Set(
      Object.entries(lock).filter(([category]) => category !== '_meta' && category !== 'develop').flatMap(([, section]) => Object.keys(section as object).map(normalisePypiName)),
    );
    for (const [category, section] of Object.entries(lock)) {
      if (category === '_meta') continue;
      const devOf = (name: string) => category === 'develop' && !runtimeNames.has(name);
      for (const [name, entry] of Object.entries(section as Record<string, z.infer<typeof entrySchema>>)) {
        if (entry.editable !== undefined && entry.editable !== false) continue;
        const source = sourceOf(entry);
        if (source) {
          const pinned = entry.version === undefined ? undefined : /^===?\s*(\S+)$/.exec(entry.version.trim())?.[1];
          const version = pinned ?? (source.kind === 'git' ? undefined : versionInArchiveName(source.spec, name, normalisePypiName));
          packages.push({ ecosystem: 'pypi', name: normalisePypiName(name), version: version ?? refOf(source), source, dev: devOf(normalisePypiName(name)) });
          continue;
        }
        if (entry.path !== undefined || entry.file !== undefined || entry.git !== undefined) continue;
        if (entry.version === undefined) continue;
        const pin = /^===?\s*(\S+)$/.exec(entry.version.trim());
        if (!pin) {
          throw new LockfileError(`version "${entry.version}" is not an exact pin (==)`, {
            file,
            key: `${category}.${name}.version`,
            line: locateKeyPath(text, [category, name, 'version']),
          });
        }
        packages.push({ ecosystem: 'pypi', name: normalisePypiName(name), version: pin[1], dev: devOf(normalisePypiName(name)) });
      }
    }
    return { packages, notes: [] };
  },
};

/** { git: URL, ref: <commit> }, { file: URL }, { path: "./vendor/x-1.0.tar.gz" | "./libs/x" }. */
function sourceOf(entry: { git?: unknown; ref?: unknown; file?: unknown; path?: unknown }): PackageSource | null {
  if (typeof entry.git === 'string') {
    const ref = typeof entry.ref === 'string' ? entry.ref : undefined;
    const commit = ref !== undefined && /^[0-9a-f]{7,40}$/i.test(ref) ? ref.toLowerCase() : undefined;
    return { kind: 'git', spec: ref ? `${entry.git}@${ref}` : entry.git, ...(commit ? { commit } : {}) };
  }
  if (typeof entry.file === 'string') return sourceOfSpec(entry.file);
  if (typeof entry.path === 'string') {
    const path = /^(\.{1,2}\/|\/|~\/)/.test(entry.path) ? entry.path : `./${entry.path}`;
    return sourceOfSpec(path);
  }
  return null;
}
