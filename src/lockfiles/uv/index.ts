// uv.lock (TOML): one [[package]] per resolved package; `source` says where it comes from: a registry, or a
// git checkout, a local archive (path), a folder (directory) or a URL. The project itself and workspace
// members (editable, virtual) are the code under test, not dependencies.
import { LockfileError } from '../errors.ts';
import { normalisePypiName } from '../shared/names.ts';
import { parseTomlText } from '../shared/parse-data.ts';
import { baseName } from '../shared/path.ts';
import { packageLine, packageTables, type TomlTable } from '../shared/toml-packages.ts';
import { gitCommitOf, refOf } from '../shared/sources.ts';
import type { DependencyRoots, LockfileManager, PackageSource, ParseResult, ResolvedPackage } from '../types.ts';

const WHAT = 'uv.lock';

export const uvManager: LockfileManager = {
  kind: 'uv',
  ecosystem: 'pypi',
  matchesPath: (path) => baseName(path) === 'uv.lock',
  sniff: (text) => /^version = \d+\s*$/m.test(text.slice(0, 200)) && /^\[\[package\]\]/m.test(text) && /^source = \{/m.test(text),
  parse(text, file): ParseResult {
    const data = parseTomlText(text, file, WHAT);
    if (typeof data.version !== 'number') {
      throw new LockfileError(`no numeric "version" at the top (not a valid ${WHAT})`, { file, line: 1, key: 'version' });
    }
    const tables = packageTables(data, text, file, WHAT);
    const names = new Set(tables.map((table) => normalisePypiName(table.name as string)));
    const packages: ResolvedPackage[] = [];
    const roots: DependencyRoots = { runtime: [], dev: [] };
    for (const table of tables) {
      const name = table.name as string;
      checkReferences(table, names, text, file);
      const source = table.source as TomlTable | undefined;
      if (!source || typeof source !== 'object') continue;
      // The project and its workspace members: their lists are the roots of the graph, not packages.
      if ('editable' in source || 'virtual' in source) {
        roots.runtime.push(...namesIn(table.dependencies), ...groupNames(table['optional-dependencies']));
        roots.dev.push(...groupNames(table['dev-dependencies']));
        continue;
      }
      const requires = [...namesIn(table.dependencies), ...groupNames(table['optional-dependencies'])];
      const from = 'registry' in source ? null : sourceOf(source);
      if (!('registry' in source) && from === null) continue;
      if (from && typeof table.version !== 'string') {
        packages.push({ ecosystem: 'pypi', name: normalisePypiName(name), version: refOf(from), source: from, ...(requires.length ? { requires } : {}) });
        continue;
      }
      if (typeof table.version !== 'string') {
        throw new LockfileError(`package "${name}" has no "version" (not a valid ${WHAT})`, {
          file,
          key: `package "${name}"`,
          line: packageLine(text, name),
        });
      }
      packages.push({ ecosystem: 'pypi', name: normalisePypiName(name), version: table.version, ...(from ? { source: from } : {}), ...(requires.length ? { requires } : {}) });
    }
    return { packages, notes: [], roots };
  },
};

/** The normalised names of a list of `{ name = "…" }` dependencies. */
function namesIn(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((dep) => (typeof (dep as { name?: unknown } | null)?.name === 'string' ? [normalisePypiName((dep as { name: string }).name)] : []));
}

/** Every name of every group of `{ group = [{ name = "…" }] }` (optional-dependencies, dev-dependencies). */
function groupNames(groups: unknown): string[] {
  return groups && typeof groups === 'object' ? Object.values(groups as TomlTable).flatMap(namesIn) : [];
}

/**
 * Every dependency uv lists is itself a [[package]]; packages are sorted by name, so a file cut short loses
 * the later ones and the references to them dangle.
 */
function checkReferences(table: TomlTable, names: Set<string>, text: string, file: string): void {
  const lists: unknown[] = [table.dependencies];
  for (const field of ['optional-dependencies', 'dev-dependencies']) {
    const groups = table[field];
    if (groups && typeof groups === 'object') lists.push(...Object.values(groups as TomlTable));
  }
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const dep of list) {
      const depName = (dep as { name?: unknown } | null)?.name;
      if (typeof depName === 'string' && !names.has(normalisePypiName(depName))) {
        throw new LockfileError(
          `package "${String(table.name)}" depends on "${depName}", which has no [[package]]: the file looks truncated or hand-edited (run uv lock)`,
          { file, key: `package "${String(table.name)}"`, line: packageLine(text, String(table.name)) },
        );
      }
    }
  }
}

/** git = "https://github.com/o/r?rev=v1#<commit>", path = "vendor/x-1.0.tar.gz", directory = "libs/x", url = "https://…". */
function sourceOf(source: TomlTable): PackageSource | null {
  if (typeof source.git === 'string') {
    const commit = gitCommitOf(source.git);
    return { kind: 'git', spec: source.git, ...(commit ? { commit } : {}) };
  }
  if (typeof source.path === 'string') return { kind: 'file', spec: source.path };
  if (typeof source.directory === 'string') return { kind: 'directory', spec: source.directory };
  if (typeof source.url === 'string') return { kind: 'url', spec: source.url };
  return null;
}
