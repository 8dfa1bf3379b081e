// `bumpbench diff BEFORE AFTER [--json]`: which resolved packages changed between two lockfiles.
// Exit 0 when both files were read (changes or not), 2 on bad input: one clear line on stderr.
import { readFile } from 'node:fs/promises';
import { changeLabels, whereLabel } from '../lockfiles/change-text.ts';
import { diffPackageSets } from '../lockfiles/diff.ts';
import { LockfileError } from '../lockfiles/errors.ts';
import { parseLockfile, type ParsedLockfile } from '../lockfiles/parse.ts';
import type { Change } from '../model.ts';
import { parseCommandArgs, usageLine, type CommandSpec } from './command-args.ts';

export interface DiffIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const DIFF_SPEC = {
  name: 'diff',
  positionals: 'BEFORE AFTER',
  summary:
    'Lists the resolved packages (direct and transitive) that differ between two lockfiles:\n' +
    'registry releases, and file, folder, git and URL packages with their source. Copies of one package are\n' +
    'compared where they are installed (package-lock paths), each change listed once.\n' +
    'Reads package-lock.json (v1-v3), yarn.lock (classic and berry), pnpm-lock.yaml, requirements files,\n' +
    'poetry.lock, Pipfile.lock and uv.lock; the format comes from the file name, or else the content.',
  flags: { json: { type: 'boolean', help: 'print [{ "ecosystem", "name", "from", "to", "locations"?, "source"? }] instead of a table (docs/result-json.md)' } },
} as const satisfies CommandSpec;
export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 2;

export async function runDiff(args: string[], io: DiffIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandArgs(DIFF_SPEC, args);
  } catch (error) {
    io.stderr(`bumpbench diff: ${(error as Error).message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (parsed.help !== undefined) {
    io.stdout(parsed.help);
    return EXIT_OK;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 2) {
    io.stderr(`bumpbench diff: expected 2 lockfiles, got ${positionals.length}\n${usageLine(DIFF_SPEC)}\n`);
    return EXIT_BAD_INPUT;
  }

  let before: ParsedLockfile;
  let after: ParsedLockfile;
  try {
    [before, after] = await Promise.all(positionals.map(readLockfile));
  } catch (error) {
    io.stderr(`bumpbench diff: ${firstLine(error)}\n`);
    return EXIT_BAD_INPUT;
  }

  const changes = diffPackageSets(before.packages, after.packages);
  if (values.json) {
    const rows = changes.map(({ ecosystem, name, from, to, locations, source }) => ({
      ecosystem, name, from, to, ...(locations ? { locations } : {}), ...(source ? { source } : {}),
    }));
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    io.stdout(formatTable(changes, before, after));
    // e.g. "-r base.txt is not followed": worth knowing, not an error.
    for (const note of new Set([...before.notes, ...after.notes])) io.stdout(`note: ${note}\n`);
  }
  return EXIT_OK;
}

async function readLockfile(path: string): Promise<ParsedLockfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a lockfile' : firstLine(error);
    throw new LockfileError(reason, { file: path, code: 'unreadable', cause: error });
  }
  return parseLockfile(path, text);
}

/** An aligned PACKAGE / FROM / TO table (WHERE when a change has a source or nested copies), then a summary. */
export function formatTable(changes: readonly Change[], before?: ParsedLockfile, after?: ParsedLockfile): string {
  const header = before && after ? `${before.file} (${before.kind}) → ${after.file} (${after.kind})\n` : '';
  if (changes.length === 0) return `${header}No resolved package changed.\n`;
  const body = changes.map((c) => {
    const labels = changeLabels(c);
    return [c.name, labels.from ?? '(none)', labels.to ?? '(none)', whereLabel(c)];
  });
  const withWhere = body.some((row) => row[3] !== '');
  const rows = [['PACKAGE', 'FROM', 'TO', withWhere ? 'WHERE' : ''], ...body];
  const widths = [0, 1, 2].map((col) => Math.max(...rows.map((row) => row[col].length)));
  const lines = rows.map(([name, from, to, where]) =>
    `${name.padEnd(widths[0])}  ${from.padEnd(widths[1])}  ${withWhere ? `${to.padEnd(widths[2])}  ${where}` : to}`.trimEnd(),
  );
  const updated = changes.filter((c) => c.from !== null && c.to !== null).length;
  const added = changes.filter((c) => c.from === null).length;
  const removed = changes.filter((c) => c.to === null).length;
  return `${header}${lines.join('\n')}\n\n${changes.length} change(s): ${updated} updated, ${added} added, ${removed} removed\n`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
