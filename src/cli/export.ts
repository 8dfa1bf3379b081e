// `bumpbench export --repo OWNER/NAME|PATH --format csv|json [--package NAME] [--out FILE] [--db FILE]`:
// one repository's history from the result store, for a spreadsheet or a notebook.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DashboardData } from '../dashboard/data.ts';
import { exportHistory, historyToCsv } from '../dashboard/export.ts';
import { githubHostFromEnv } from '../dashboard/repo-key.ts';
import { defaultDataDir, ResultsStore } from '../store/results-store.ts';
import { processIo, type CliIo } from './io.ts';

export const EXPORT_USAGE = `usage: bumpbench export --repo OWNER/NAME|PATH --format csv|json [--package NAME] [--out FILE] [--db FILE] [--data-dir DIR]

Writes one repository's history from the result store: every job with its verdict, commits, PR and
changed packages; CSV has one row per job × scenario × metric (change, interval, p, threshold, verdict),
JSON has every job's whole result (docs/result-json.md). Columns and fields: docs/dashboard.md.

  --repo R         OWNER/NAME for the App's jobs, or the path given to \`bumpbench compare --repo\`
  --format F       csv or json
  --package NAME   only the jobs that changed this package
  --out FILE       write there instead of standard output
  --db FILE        the SQLite store (default <data dir>/bumpbench.db)
  --data-dir DIR   the data dir (default $BUMPBENCH_DATA_DIR or ~/.bumpbench)`;

export async function runExportCommand(args: string[], io: CliIo = processIo): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        repo: { type: 'string' },
        format: { type: 'string' },
        package: { type: 'string' },
        out: { type: 'string' },
        db: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    io.stderr(`bumpbench export: ${(err as Error).message}\n\n${EXPORT_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(EXPORT_USAGE);
    return 0;
  }
  const bad = (message: string) => {
    io.stderr(`bumpbench export: ${message}\n\n${EXPORT_USAGE}`);
    return 2;
  };
  if (!values.repo) return bad('--repo is required: OWNER/NAME, or the path of a local repository');
  if (values.format !== 'csv' && values.format !== 'json') return bad(`--format must be csv or json${values.format ? ` (got "${values.format}")` : ''}`);
  const dbFile = path.resolve(values.db ?? path.join(values['data-dir'] ?? defaultDataDir(), 'bumpbench.db'));
  if (!existsSync(dbFile)) return bad(`no result store at ${dbFile}: run a compare first, or point --db at the file`);

  const store = new ResultsStore(dbFile);
  try {
    const data = new DashboardData(store, githubHostFromEnv());
    const keys = data.listRepositories().map((r) => r.key);
    // A local path may be given relative or with a trailing slash; the store has it absolute.
    const asPath = path.resolve(values.repo);
    const key = keys.includes(values.repo) ? values.repo : keys.includes(asPath) ? asPath : null;
    if (!key) {
      const known = keys.length ? `Repositories in ${dbFile}:\n${keys.map((k) => `  ${k}`).join('\n')}` : `${dbFile} holds no results yet.`;
      io.stderr(`bumpbench export: no results for "${values.repo}". ${known}`);
      return 2;
    }
    const history = exportHistory(data, key, values.package ?? null)!;
    if (values.package && history.jobs.length === 0) {
      const pkgs = data.repositoryHistory(key)!.packages;
      io.stderr(`bumpbench export: no job of ${key} changed "${values.package}".${pkgs.length ? ` Packages its jobs changed: ${pkgs.join(', ')}` : ''}`);
      return 2;
    }
    const text = values.format === 'csv' ? historyToCsv(history) : JSON.stringify(history, null, 2) + '\n';
    if (values.out) {
      await writeFile(values.out, text);
      io.stderr(`bumpbench export: ${history.jobs.length} job(s) of ${key} written to ${values.out}`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  } finally {
    store.close();
  }
}
