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
import { processIo, type CliIo } from './io.ts';

const USAGE = `bumpbench serve [--data-dir DIR] [--no-worker] [--redis URL [--fleet-slots N]]

Runs the GitHub App (webhooks on PORT, default 3000) and, unless --no-worker, the benchmark worker.
With --redis URL (or REDIS_URL) jobs run on a fleet of runners (\`bumpbench worker --redis URL\`),
up to N at once (default 4).
Environment: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, LOG_LEVEL, REDIS_URL,
GHE_HOST and GHE_PROTOCOL (GitHub Enterprise), BUMPBENCH_DATA_DIR. See docs/deployment.md.
Without APP_ID and a private key it starts the setup flow that registers the App (app.yml).`;

export interface ServeFlags {
  dataDir: string;
  worker: boolean;
  /** Redis of the runner fleet (src/jobs/fleet.ts); unset: jobs run on this machine. */
  redisUrl?: string;
  /** Fleet runs at once (serve), or runs at once on this runner (worker). */
  slots: number;
}

export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv = process.env): ServeFlags | string {
  const flags: ServeFlags = { dataDir: defaultDataDir(), worker: true, redisUrl: env.REDIS_URL || undefined, slots: 0 };
  for (let i = 0; i < args.length; i++) {
    const [arg, inline] = args[i].startsWith('--') && args[i].includes('=') ? args[i].split(/=(.*)/s, 2) : [args[i], undefined];
    const value = () => inline ?? (args[i + 1] !== undefined && !args[i + 1].startsWith('--') ? args[++i] : undefined);
    if (arg === '--no-worker') flags.worker = false;
    else if (arg === '--data-dir') {
      const v = value();
      if (!v) return '--data-dir needs a directory';
      flags.dataDir = v;
    } else if (arg === '--redis') {
      const v = value();
      if (!v || !/^rediss?:\/\//.test(v)) return `--redis needs a URL like redis://host:6379 (got "${v ?? ''}")`;
      flags.redisUrl = v;
    } else if (arg === '--fleet-slots' || arg === '--concurrency') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1 || v > 100) return `${arg} needs a whole number from 1 to 100`;
      flags.slots = v;
    } else return `unknown argument "${args[i]}"`;
  }
  flags.dataDir = path.resolve(flags.dataDir);
  return flags;
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
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  const flags = parseServeArgs(args);
  if (typeof flags === 'string') {
    io.stderr(`bumpbench serve: ${flags}\n\n${USAGE}`);
    return 2;
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
