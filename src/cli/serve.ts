// `bumpbench serve`: the GitHub App. Probot's `run` reads the standard environment (APP_ID,
// PRIVATE_KEY / PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, LOG_LEVEL, LOG_FORMAT, WEBHOOK_PATH,
// GHE_HOST + GHE_PROTOCOL → `<protocol>://<host>/api/v3`, and a .env file) and starts the webhook server;
// without credentials it serves the setup flow that registers the App from app.yml. Beside it runs the
// worker, one job at a time.
import path from 'node:path';
import { run, type ApplicationFunction, type Probot } from 'probot';
import { createApp } from '../github/app.ts';
import { redactor, scrubSecretEnv } from '../github/redact.ts';
import { createGitHubWorker } from '../github/worker-setup.ts';
import { SqliteJobQueue } from '../jobs/sqlite-queue.ts';
import type { Worker } from '../jobs/worker.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { processIo, type CliIo } from './io.ts';

const USAGE = `bumpbench serve [--data-dir DIR] [--no-worker]

Runs the GitHub App (webhooks on PORT, default 3000) and, unless --no-worker, the benchmark worker.
Environment: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, LOG_LEVEL,
GHE_HOST and GHE_PROTOCOL (GitHub Enterprise), BUMPBENCH_DATA_DIR. See docs/deployment.md.
Without APP_ID and a private key it starts the setup flow that registers the App (app.yml).`;

export interface ServeFlags {
  dataDir: string;
  worker: boolean;
}

export function parseServeArgs(args: string[]): ServeFlags | string {
  const flags: ServeFlags = { dataDir: defaultDataDir(), worker: true };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--no-worker') flags.worker = false;
    else if (arg === '--data-dir' && args[i + 1]) flags.dataDir = args[++i];
    else if (arg.startsWith('--data-dir=')) flags.dataDir = arg.slice('--data-dir='.length);
    else return `unknown argument "${arg}"`;
  }
  flags.dataDir = path.resolve(flags.dataDir);
  return flags;
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
  let worker: Worker | undefined;
  const handlers = createApp({ queue, onEnqueued: () => worker?.wake() });
  const appFn: ApplicationFunction = (app, options) => {
    probot = app;
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
  if (flags.worker) {
    worker = createGitHubWorker({ probot, queue, dataDir: flags.dataDir, log: probot.log.child({ name: 'worker' }) });
    await worker.start();
  } else {
    log.info('--no-worker: jobs wait in the queue for `bumpbench worker`');
  }
  const signal = await stopped;
  log.info({ signal }, 'stopping: the running job (if any) goes back to the queue');
  try {
    await worker?.stop();
    await server.stop();
  } catch (err) {
    log.error({ err: redactor.describe(err) }, 'error while stopping');
  } finally {
    queue.close();
  }
  return 0;
}
