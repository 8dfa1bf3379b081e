// `bumpbench diff BEFORE AFTER [--json]`: which resolved packages changed between two lockfiles, or which
// runtime pins between two runtime files (.nvmrc, .python-version, package.json engines, a Dockerfile, …).
// `bumpbench diff --base REF --head REF [--repo DIR]`: every lockfile and runtime change between two commits,
// as a compare or bisect reads them. Exit 0 when everything was read (changes or not), 2 on bad input.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { changeLabels, whereLabel } from '../lockfiles/change-text.ts';
import { diffPackageSets } from '../lockfiles/diff.ts';
import { LockfileError } from '../lockfiles/errors.ts';
import { parseLockfile, type ParsedLockfile } from '../lockfiles/parse.ts';
import type { Change } from '../model.ts';
import { lockfileChanges } from '../pipeline/lockfile-changes.ts';
import { declarationPlace, diffRuntimeFile, isRuntimeFilePath, parseRuntimeFile } from '../runtimes/index.ts';
import { detectFromPath } from '../lockfiles/detect.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { GitError, openRepo, resolveRef } from '../workspace/git.ts';
import { parseCommandArgs, usageLine, type CommandSpec } from './command-args.ts';

export interface DiffIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const DIFF_SPEC = {
  name: 'diff',
  positionals: '[BEFORE AFTER]',
  summary:
    'Lists the resolved packages (direct and transitive) that differ between two lockfiles:\n' +
    'registry releases, and file, folder, git and URL packages with their source. Copies of one package are\n' +
    'compared where they are installed (package-lock paths), each change listed once.\n' +
    'Reads package-lock.json (v1-v3), yarn.lock (classic and berry), pnpm-lock.yaml, requirements files,\n' +
    'poetry.lock, Pipfile.lock and uv.lock; the format comes from the file name, or else the content.\n' +
    'Two runtime files (.nvmrc, .node-version, .python-version, .tool-versions, runtime.txt, package.json,\n' +
    'a Dockerfile) list the runtime pins that differ. With --base and --head instead of files: every lockfile\n' +
    'and runtime change between two commits of --repo.',
  flags: {
    json: { type: 'boolean', help: 'print [{ "ecosystem", "name", "from", "to", "locations"?, "source"?, "scope"?, "direct"?, "lockfile"?, "field"? }] instead of a table (docs/result-json.md)' },
    repo: { type: 'string', value: 'DIR', help: 'with --base and --head: the git repository (default: .)' },
    base: { type: 'string', value: 'REF', help: 'compare two commits instead of two files: the one before' },
    head: { type: 'string', value: 'REF', help: 'and the one after' },
  },
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
  if (values.base !== undefined || values.head !== undefined) {
    if (values.base === undefined || values.head === undefined || positionals.length > 0) {
      io.stderr(`bumpbench diff: give --base and --head (two commits), or two files, not both\n${usageLine(DIFF_SPEC)}\n`);
      return EXIT_BAD_INPUT;
    }
    return diffCommits(values.repo ?? '.', values.base, values.head, values.json === true, io);
  }
  if (positionals.length !== 2) {
    io.stderr(`bumpbench diff: expected 2 lockfiles, got ${positionals.length}\n${usageLine(DIFF_SPEC)}\n`);
    return EXIT_BAD_INPUT;
  }
  if (positionals.every((p) => isRuntimeFilePath(p) && detectFromPath(p) === null)) return diffRuntimeFiles(positionals[0], positionals[1], values.json === true, io);

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
    io.stdout(`${JSON.stringify(changes.map((c) => jsonRow(c, false)), null, 2)}\n`);
  } else {
    io.stdout(formatTable(changes, before, after));
    // e.g. "-r base.txt is not followed": worth knowing, not an error.
    for (const note of new Set([...before.notes, ...after.notes])) io.stdout(`note: ${note}\n`);
  }
  return EXIT_OK;
}

/** A change as a JSON row: the four fields, then the optional ones that say something. */
function jsonRow({ ecosystem, name, from, to, locations, source, lockfile, field, scope, direct }: Change, withLockfile: boolean): Record<string, unknown> {
  return {
    ecosystem, name, from, to, ...(locations ? { locations } : {}), ...(source ? { source } : {}),
    ...(scope ? { scope } : {}), ...(direct !== undefined ? { direct } : {}),
    ...(withLockfile && lockfile ? { lockfile } : {}), ...(field ? { field } : {}),
  };
}

/** Two runtime files: the pins that differ, and what each side pins. */
async function diffRuntimeFiles(beforePath: string, afterPath: string, json: boolean, io: DiffIo): Promise<number> {
  let texts: string[];
  try {
    texts = await Promise.all([beforePath, afterPath].map((p) => readFile(p, 'utf8')));
  } catch (error) {
    io.stderr(`bumpbench diff: ${firstLine(error)}\n`);
    return EXIT_BAD_INPUT;
  }
  // Both sides are read as the after file's kind, so base/.nvmrc and head/.nvmrc pair however they are named.
  const changes = diffRuntimeFile(afterPath, texts[0], texts[1]).map((c) => ({ ...c, lockfile: c.lockfile === afterPath ? undefined : c.lockfile }));
  if (json) {
    io.stdout(`${JSON.stringify(changes.map((c) => jsonRow(c, false)), null, 2)}\n`);
    return EXIT_OK;
  }
  io.stdout(`${beforePath} → ${afterPath} (runtime pins)\n`);
  io.stdout(changes.length === 0 ? 'No runtime pin changed.\n' : formatTable(changes).replace(/\n\n\d+ change\(s\):.*\n$/, '\n'));
  for (const [side, file, text] of [['before', beforePath, texts[0]], ['after', afterPath, texts[1]]] as const) {
    for (const d of parseRuntimeFile(afterPath, text)) {
      const place = declarationPlace(d).replace(afterPath, file);
      io.stdout(`${side}: ${place} ${d.spec}: ${d.pin !== null ? `runs ${d.kind} ${d.pin}` : `pins nothing (${d.reason})`}\n`);
    }
  }
  return EXIT_OK;
}

/** Two commits: every lockfile and runtime change between them, as a job reads them (hints included). */
async function diffCommits(repo: string, baseRef: string, headRef: string, json: boolean, io: DiffIo): Promise<number> {
  let changes: Change[];
  let notes: string[];
  try {
    const repoDir = await openRepo(repo, path.join(defaultDataDir(), 'cache'));
    const [base, head] = [await resolveRef(repoDir, baseRef), await resolveRef(repoDir, headRef)];
    ({ changes, notes } = await lockfileChanges(repoDir, base, head));
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    io.stderr(`bumpbench diff: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (json) {
    io.stdout(`${JSON.stringify(changes.map((c) => jsonRow(c, true)), null, 2)}\n`);
    return EXIT_OK;
  }
  io.stdout(`${baseRef} → ${headRef}\n`);
  io.stdout(changes.length === 0 ? 'No resolved package or runtime pin changed.\n' : formatTable(changes));
  for (const note of notes) io.stdout(`note: ${note}\n`);
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
