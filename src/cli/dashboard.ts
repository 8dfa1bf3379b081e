// `bumpbench dashboard [--db FILE] [--data-dir DIR] [--port N] [--host H]`: the dashboard of a local result
// store in a browser. Local means no sign-in: it binds 127.0.0.1 unless --host says otherwise.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startDashboard } from '../dashboard/server.ts';
import { githubHostFromEnv } from '../dashboard/repo-key.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { processIo, type CliIo } from './io.ts';

export const DASHBOARD_USAGE = `usage: bumpbench dashboard [--db FILE] [--data-dir DIR] [--port N] [--host H]

Serves the dashboard of a result store: repositories and their latest verdicts, each scenario × gated
metric over time, every job's report and evidence, running jobs live. Open the URL it prints.

  --db FILE        the SQLite store (default <data dir>/bumpbench.db)
  --data-dir DIR   the data dir (default $BUMPBENCH_DATA_DIR or ~/.bumpbench)
  --port N         port to listen on (default 4300; 0 picks a free one)
  --host H         address to bind (default 127.0.0.1). There is no sign-in here: anyone who reaches
                   the port sees every result, so bind another address only on a network you trust.
                   For a shared dashboard with GitHub sign-in, use \`bumpbench serve\` (docs/dashboard.md).`;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export interface DashboardFlags {
  dbFile: string;
  port: number;
  host: string;
}

export function parseDashboardArgs(args: string[]): DashboardFlags | { help: true } | string {
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        db: { type: 'string' },
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    return (err as Error).message;
  }
  if (values.help) return { help: true };
  const port = values.port === undefined ? 4300 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `--port needs a port number from 0 to 65535 (got "${values.port}")`;
  if (values.host !== undefined && values.host.trim() === '') return '--host needs an address, e.g. 127.0.0.1';
  const dbFile = path.resolve(values.db ?? path.join(values['data-dir'] ?? defaultDataDir(), 'bumpbench.db'));
  return { dbFile, port, host: values.host ?? '127.0.0.1' };
}

export async function runDashboardCommand(args: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseDashboardArgs(args);
  if (typeof flags === 'string') {
    io.stderr(`bumpbench dashboard: ${flags}\n\n${DASHBOARD_USAGE}`);
    return 2;
  }
  if ('help' in flags) {
    io.stdout(DASHBOARD_USAGE);
    return 0;
  }
  if (!existsSync(flags.dbFile)) {
    io.stderr(`bumpbench dashboard: no result store at ${flags.dbFile}. Run a compare first (it creates it), or point --db at the file.`);
    return 2;
  }
  let dashboard;
  try {
    dashboard = await startDashboard({
      dbFile: flags.dbFile,
      host: flags.host,
      port: flags.port,
      githubHost: githubHostFromEnv(),
      log: { info: () => {}, warn: (obj, msg) => io.stderr(`bumpbench dashboard: ${msg ?? ''} ${JSON.stringify(obj)}`) },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') io.stderr(`bumpbench dashboard: port ${flags.port} on ${flags.host} is in use: pick another with --port`);
    else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') io.stderr(`bumpbench dashboard: cannot bind ${flags.host}: not an address of this machine`);
    else io.stderr(`bumpbench dashboard: could not start: ${e.message}`);
    return 2;
  }
  if (!LOOPBACK.test(flags.host)) {
    io.stderr(`bumpbench dashboard: listening on ${flags.host} without sign-in: anyone who can reach this port sees every result in ${flags.dbFile}.`);
  }
  io.stdout(`bumpbench dashboard: ${dashboard.url} (results from ${flags.dbFile}; Ctrl-C stops it)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await dashboard.close();
  return 0;
}
