// uv.lock (TOML): one [[package]] per resolved release; `source` says where it comes from. Only registry
// releases count: the project itself (editable/virtual), paths, directories, git and direct URLs do not.
import { LockfileError } from '../errors.ts';
import { normalisePypiName } from '../shared/names.ts';
import { parseTomlText } from '../shared/parse-data.ts';
import { baseName } from '../shared/path.ts';
import { packageLine, packageTables, type TomlTable } from '../shared/toml-packages.ts';
import type { LockfileManager, ParseResult, ResolvedPackage } from '../types.ts';

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
    for (const table of tables) {
      const name = table.name as string;
      checkReferences(table, names, text, file);
      const source = table.source as TomlTable | undefined;
      if (!source || typeof source !== 'object' || !('registry' in source)) continue;
      if (typeof table.version !== 'string') {
        throw new LockfileError(`package "${name}" has no "version" (not a valid ${WHAT})`, {
          file,
          key: `package "${name}"`,
          line: packageLine(text, name),
        });
      }
      packages.push({ ecosystem: 'pypi', name: normalisePypiName(name), version: table.version });
    }
    return { packages, notes: [] };
  },
};

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
