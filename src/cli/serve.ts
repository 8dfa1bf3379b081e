// `bumpbench serve`: the GitHub App. Probot's `run` reads the standard environment (APP_ID,
// PRIVATE_KEY / PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, LOG_LEVEL, LOG_FORMAT, WEBHOOK_PATH,
// GHE_HOST + GHE_PROTOCOL → `<protocol>://<host>/api/v3`, and a .env file) and starts the webhook server;
// without credentials it serves the setup flow that registers the App from app.yml. Beside it runs the
// worker, one job at a time; with --redis (or REDIS_URL) the worker slots hand the runs to a runner fleet
// (`bumpbench worker --redis URL` on each runner machine, src/jobs/fleet.ts).
import path from 'node:path';
import { run, type ApplicationFunction, type Probot } from 'probot';
import { mountDashboard } from '../dashboard/server.ts';
import { createApp } from '../github/app.ts';
import { redactor, scrubSecretEnv } from '../github/redact.ts';
import { createGitHubWorker } from '../github/worker-setup.ts';
import { createFleetDispatcher, type FleetDispatcher } from '../jobs/fleet.ts';
import { SqliteJobQueue } from '../jobs/sqlite-queue.ts';
import type { Worker } from '../jobs/worker.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { parseCommandArgs, usageLine, type CommandSpec } from './command-args.ts';
import { processIo, reportError, UsageError, type CliIo } from './io.ts';

export const SERVE_SPEC = {
  name: 'serve',
  summary:
    'Runs the GitHub App (webhooks on PORT, default 3000) and, unless --no-worker, the benchmark worker.\n' +
    'With --redis URL (or REDIS_URL) jobs run on a fleet of runners (`bumpbench worker --redis URL`).',
  flags: {
    'data-dir': { type: 'string', value: 'DIR', help: 'the job queue and results (default: $BUMPBENCH_DATA_DIR or ~/.bumpbench)' },
    'no-worker': { type: 'boolean', help: 'webhooks only; jobs wait in the queue for `bumpbench worker`' },
    redis: { type: 'string', value: 'URL', help: 'hand the runs to a runner fleet on this Redis (default: $REDIS_URL)' },
    'fleet-slots': { type: 'string', value: 'N', help: 'fleet runs at once, 1 to 100 (default: 4)' },
    concurrency: { type: 'string', value: 'N', hidden: true, help: 'old name of --fleet-slots' },
  },
  notes:
    'Environment: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, LOG_LEVEL, REDIS_URL,\n' +
    'GHE_HOST and GHE_PROTOCOL (GitHub Enterprise), BUMPBENCH_DATA_DIR. See docs/deployment.md.\n' +
    'Without APP_ID and a private key it starts the setup flow that registers the App (app.yml).',
} as const satisfies CommandSpec;

export interface ServeFlags {
  dataDir: string;
  worker: boolean;
  /** Redis of the runner fleet (src/jobs/fleet.ts); unset: jobs run on this machine. */
  redisUrl?: string;
  /** Fleet runs at once (serve), or runs at once on this runner (worker). */
  slots: number;
}

/**
 * The flags of `serve`, or of `worker` given its spec (a subset of the same flags: the same meaning and
 * checks). Bad input throws a UsageError; `{ help }` when help was asked for.
 */
export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv = process.env, spec: CommandSpec = SERVE_SPEC): ServeFlags | { help: string } {
  const parsed = parseCommandArgs(spec, args);
  if (parsed.help !== undefined) return { help: parsed.help };
  const values = parsed.values as { 'data-dir'?: string; 'no-worker'?: boolean; redis?: string; 'fleet-slots'?: string; concurrency?: string };
  const usage = usageLine(spec);
  const redisUrl = values.redis ?? (env.REDIS_URL || undefined);
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new UsageError(`${values.redis !== undefined ? '--redis' : 'REDIS_URL'} needs a URL like redis://host:6379 (got "${redisUrl}")\n${usage}`);
  }
  let slots = 0;
  for (const name of ['fleet-slots', 'concurrency'] as const) {
    if (values[name] === undefined) continue;
    slots = Number(values[name]);
    if (!Number.isInteger(slots) || slots < 1 || slots > 100) throw new UsageError(`--${name} needs a whole number from 1 to 100\n${usage}`);
  }
  return { dataDir: path.resolve(values['data-dir'] ?? defaultDataDir()), worker: !values['no-worker'], redisUrl, slots };
}

/** The Redis URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export async function runServe(args: string[], io: CliIo = processIo): Promise<number> {
  let flags;
  try {
    flags = parseServeArgs(args);
  } catch (err) {
    return reportError(err, io);
  }
  if ('help' in flags) {
    io.stdout(flags.help);
    return 0;
  }
  const queue = SqliteJobQueue.open(flags.dataDir);
  let probot: Probot | undefined;
  const workers: Worker[] = [];
  let fleet: FleetDispatcher | undefined;
  const handlers = createApp({ queue, onEnqueued: () => workers.forEach((w) => w.wake()) });
  const appFn: ApplicationFunction = (app, options) => {
    probot = app;
    mountDashboard(options.addHandler, { dataDir: flags.dataDir, log: app.log.child({ name: 'dashboard' }) });
    return handlers(app, options);
  };

  // Probot's run() exits the process on SIGINT; we stop the worker first, so take that listener back.
  const before = new Set(process.listeners('SIGINT'));
  const stopped = untilSignal();
  const server = await run(appFn);
  for (const listener of process.listeners('SIGINT')) if (!before.has(listener)) process.off('SIGINT', listener);

  if (!probot) {
    // Setup mode: Probot serves the registration flow; nothing to run until it has credentials.
    await stopped;
    await server.stop();
    queue.close();
    return 0;
  }
  // Probot has what it needs; from here on no child process can inherit the App's secrets.
  const removed = scrubSecretEnv();
  const log = probot.log.child({ name: 'bumpbench' });
  log.info({ dataDir: flags.dataDir, queue: queue.path, secretsRemovedFromEnv: removed }, 'bumpbench App started');
  if (flags.worker && flags.redisUrl) {
    // Each slot claims from the SQLite queue and waits on one fleet run; the runners do the measuring.
    fleet = await createFleetDispatcher(flags.redisUrl);
    const slots = flags.slots || 4;
    for (let i = 0; i < slots; i++) {
      workers.push(createGitHubWorker({ probot, queue, dataDir: flags.dataDir, log: probot.log.child({ name: `fleet-slot-${i + 1}` }), runJob: fleet.runJob }));
    }
    for (const w of workers) await w.start();
    log.info({ slots, redis: redactUrl(flags.redisUrl) }, 'jobs run on the runner fleet');
  } else if (flags.worker) {
    workers.push(createGitHubWorker({ probot, queue, dataDir: flags.dataDir, log: probot.log.child({ name: 'worker' }) }));
    await workers[0].start();
  } else {
    log.info('--no-worker: jobs wait in the queue for `bumpbench worker`');
  }
  const signal = await stopped;
  log.info({ signal }, 'stopping: the running job (if any) goes back to the queue');
  try {
    await Promise.all(workers.map((w) => w.stop()));
    await fleet?.close();
    await server.stop();
  } catch (err) {
    log.error({ err: redactor.describe(err) }, 'error while stopping');
  } finally {
    queue.close();
  }
  return 0;
}
