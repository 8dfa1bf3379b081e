// `bumpbench worker`: the benchmark worker without the webhook server. Two ways to run it:
// - alone: it takes jobs from the same SQLite queue as `bumpbench serve --no-worker` on this machine and
//   reports to GitHub with the App's credentials (the same environment as serve);
// - `--redis URL`: a runner of the fleet (src/jobs/fleet.ts). It takes runs from Redis, measures, and sends
//   progress and results back; the App reports them. It needs no GitHub credentials.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { createProbot } from 'probot';
import { redactor, scrubSecretEnv } from '../github/redact.ts';
import { createGitHubWorker } from '../github/worker-setup.ts';
import { startFleetRunner } from '../jobs/fleet.ts';
import { SqliteJobQueue } from '../jobs/sqlite-queue.ts';
import { runJob } from '../pipeline/run-job.ts';
import type { CommandSpec } from './command-args.ts';
import { processIo, reportError, type CliIo } from './io.ts';
import { parseServeArgs, redactUrl, SERVE_SPEC, untilSignal, type ServeFlags } from './serve.ts';

/** Like Probot's .env handling, but variables already set win over the file. */
function loadDotEnv(file = path.join(process.cwd(), '.env')): void {
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (process.env[name] === undefined) process.env[name] = value;
  }
}

export const WORKER_SPEC = {
  name: 'worker',
  summary:
    'Runs the benchmark worker without the webhook server. Alone, it takes jobs from the queue of\n' +
    '`bumpbench serve --no-worker` on this machine and reports to GitHub as the App (the same environment as\n' +
    'serve). With --redis URL (or REDIS_URL) it is a runner of the fleet and needs no GitHub credentials.',
  flags: {
    'data-dir': SERVE_SPEC.flags['data-dir'],
    redis: { type: 'string', value: 'URL', help: 'be a runner of the fleet on this Redis (default: $REDIS_URL)' },
    concurrency: { type: 'string', value: 'N', help: 'runs at once on this runner, 1 to 100 (default: 1)' },
  },
  notes: 'Reads a .env file in the current directory (variables already set win). See docs/deployment.md.',
} as const satisfies CommandSpec;

export async function runWorker(args: string[], io: CliIo = processIo): Promise<number> {
  loadDotEnv();
  let flags;
  try {
    flags = parseServeArgs(args, process.env, WORKER_SPEC);
  } catch (err) {
    return reportError(err, io);
  }
  if ('help' in flags) {
    io.stdout(flags.help);
    return 0;
  }
  if (flags.redisUrl) return runFleetRunner({ ...flags, redisUrl: flags.redisUrl }, io);
  if (!process.env.APP_ID || !(process.env.PRIVATE_KEY || process.env.PRIVATE_KEY_PATH)) {
    io.stderr('bumpbench worker: set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH): the worker reports to GitHub as the App. See docs/deployment.md.');
    return 2;
  }
  const probot = createProbot();
  await probot.ready();
  scrubSecretEnv();
  const queue = SqliteJobQueue.open(flags.dataDir);
  const log = probot.log.child({ name: 'worker' });
  const worker = createGitHubWorker({ probot, queue, dataDir: flags.dataDir, log });
  const stopped = untilSignal();
  await worker.start();
  log.info({ dataDir: flags.dataDir, queue: queue.path }, 'bumpbench worker started');
  const signal = await stopped;
  log.info({ signal }, 'stopping: the running job (if any) goes back to the queue');
  try {
    await worker.stop();
  } catch (err) {
    log.error({ err: redactor.describe(err) }, 'error while stopping');
  } finally {
    queue.close();
  }
  return 0;
}

async function runFleetRunner(flags: ServeFlags & { redisUrl: string }, io: CliIo): Promise<number> {
  const log = { info: (obj: object, msg: string) => io.stderr(`${new Date().toISOString()} ${msg} ${JSON.stringify(obj)}`) };
  const runner = startFleetRunner({ redisUrl: flags.redisUrl, dataDir: flags.dataDir, runJob, concurrency: flags.slots || 1, log });
  log.info({ redis: redactUrl(flags.redisUrl), dataDir: flags.dataDir, concurrency: flags.slots || 1 }, 'bumpbench fleet runner started');
  const signal = await untilSignal();
  log.info({ signal }, 'stopping: a running job goes back to the fleet queue for another runner');
  await runner.close();
  return 0;
}
