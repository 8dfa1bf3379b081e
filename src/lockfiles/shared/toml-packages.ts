// The "[[package]]" array shared by poetry.lock and uv.lock: validated entry by entry so an error can name
// the package and its line.
import { LockfileError } from '../errors.ts';
import { findLine } from './text.ts';

export type TomlTable = Record<string, unknown>;

export function packageTables(data: TomlTable, text: string, file: string, what: string): TomlTable[] {
  const list = data.package ?? [];
  if (!Array.isArray(list)) {
    throw new LockfileError(`"package" is not an array of tables (not a valid ${what})`, { file, key: 'package' });
  }
  list.forEach((entry, index) => {
    const table = entry as TomlTable;
    if (typeof table !== 'object' || table === null || typeof table.name !== 'string') {
      throw new LockfileError(`[[package]] number ${index + 1} has no "name" (not a valid ${what})`, {
        file,
        key: `package[${index}]`,
        line: nthPackageLine(text, index),
      });
    }
  });
  return list as TomlTable[];
}

export function packageLine(text: string, name: string): number | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return findLine(text, new RegExp(`^\\[\\[package\\]\\]\\s*\\nname = "${escaped}"`, 'm'));
}

function nthPackageLine(text: string, index: number): number | undefined {
  const pattern = /^\[\[package\]\]/gm;
  let match: RegExpExecArray | null = null;
  for (let i = 0; i <= index; i++) match = pattern.exec(text);
  return match ? text.slice(0, match.index).split('\n').length : undefined;
}
