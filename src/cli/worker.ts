// `bumpbench worker`: the benchmark worker without the webhook server. Two ways to run it:
// - alone: it takes jobs from the same SQLite queue as `bumpbench serve --no-worker` on this machine and
//   reports to GitHub with the App's credentials (the same environment as serve);
// - with a Redis URL (BUMPBENCH_REDIS_URL / REDIS_URL, or --redis-url-file) and the fleet key: a runner of
//   the fleet (src/jobs/fleet.ts). It takes signed runs from Redis, measures, and sends signed progress and
//   results back; the App reports them. It needs no GitHub credentials.
import { createProbot } from 'probot';
import { declareShutdownOwner } from '../bench/index.ts';
import { redactor, scrubSecretEnv } from '../github/redact.ts';
import { createGitHubWorkers } from '../github/worker-setup.ts';
import { pino } from 'pino';
import { fleetLockMs, startFleetRunner } from '../jobs/fleet.ts';
import { SqliteJobQueue } from '../jobs/sqlite-queue.ts';
import { runJob } from '../pipeline/run-job.ts';
import type { CommandSpec } from './command-args.ts';
import { loadDotEnv } from './env-file.ts';
import { readFleetSettings, type FleetSettings } from './fleet-settings.ts';
import { processIo, reportError, type CliIo } from './io.ts';
import {
  exitSoon, parseServeArgs, redactUrl, sandboxRefusal, sandboxRequirement, SERVE_SPEC, SHUTDOWN_DEADLINE_MS, sweepLeftovers, untilSignal, type ServeFlags,
} from './serve.ts';

export const WORKER_SPEC = {
  name: 'worker',
  summary:
    'Runs the benchmark worker without the webhook server. Alone, it takes jobs from the queue of\n' +
    '`bumpbench serve --no-worker` on this machine and reports to GitHub as the App (the same environment as\n' +
    'serve). With a Redis URL and the fleet key it is a runner of the fleet and needs no GitHub credentials.',
  flags: {
    'data-dir': SERVE_SPEC.flags['data-dir'],
    'redis-url-file': SERVE_SPEC.flags['redis-url-file'],
    'fleet-key-file': SERVE_SPEC.flags['fleet-key-file'],
    concurrency: { type: 'string', value: 'N', help: 'runs at once on this runner besides soaks, 1 to 100 (default: 1)' },
    'soak-slots': { type: 'string', value: 'N', help: 'soaks at once in their own lane, 0 to 100 (default: 1)' },
    'unsafe-no-sandbox': SERVE_SPEC.flags['unsafe-no-sandbox'],
    redis: SERVE_SPEC.flags.redis,
  },
  notes:
    'Environment: BUMPBENCH_REDIS_URL or REDIS_URL, BUMPBENCH_FLEET_KEY (a runner); APP_ID and PRIVATE_KEY or\n' +
    'PRIVATE_KEY_PATH (alone). Reads a .env file in the current directory (variables already set win).\n' +
    'See docs/deployment.md.',
} as const satisfies CommandSpec;

export async function runWorker(args: string[], io: CliIo = processIo): Promise<number> {
  loadDotEnv();
  let flags;
  try {
    flags = parseServeArgs(args, WORKER_SPEC);
  } catch (err) {
    return reportError(err, io);
  }
  if ('help' in flags) {
    io.stdout(flags.help);
    return 0;
  }
  // The worker stops on SIGTERM/SIGINT in its own time (its job goes back to the queue first).
  declareShutdownOwner();
  const fleet = readFleetSettings(flags);
  if (typeof fleet === 'string') {
    io.stderr(`bumpbench worker: ${fleet}`);
    return 2;
  }
  const refusal = sandboxRefusal(flags);
  if (refusal) {
    io.stderr(`bumpbench worker: ${refusal}`);
    return 2;
  }
  if (flags.unsandboxed) io.stderr("bumpbench worker: --unsafe-no-sandbox: benchmarked repositories run their code with this user's rights, unsandboxed");
  if (fleet) return runFleetRunner(flags, fleet);
  if (!process.env.APP_ID || !(process.env.PRIVATE_KEY || process.env.PRIVATE_KEY_PATH)) {
    io.stderr('bumpbench worker: set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH): the worker reports to GitHub as the App. See docs/deployment.md.');
    return 2;
  }
  const probot = createProbot();
  await probot.ready();
  scrubSecretEnv();
  const queue = SqliteJobQueue.open(flags.dataDir);
  const log = probot.log.child({ name: 'worker' });
  await sweepLeftovers(flags.dataDir, log);
  const workers = createGitHubWorkers({ probot, queue, dataDir: flags.dataDir, log: probot.log, name: 'worker', sandbox: sandboxRequirement(flags), slots: 1, soakSlots: flags.soakSlots });
  const stopped = untilSignal();
  for (const w of workers) await w.start();
  log.info({ dataDir: flags.dataDir, queue: queue.path, soakSlots: flags.soakSlots }, 'bumpbench worker started');
  const signal = await stopped;
  log.info({ signal }, 'stopping: running jobs go back to the queue');
  try {
    await Promise.all(workers.map((w) => w.stop(SHUTDOWN_DEADLINE_MS)));
  } catch (err) {
    log.error({ err: redactor.describe(err) }, 'error while stopping');
  } finally {
    queue.close();
  }
  exitSoon(0);
  return 0;
}

async function runFleetRunner(flags: ServeFlags, fleet: FleetSettings): Promise<number> {
  // Nothing the runner's jobs start may inherit the key or the Redis password.
  scrubSecretEnv();
  // The structured log, as on the App: one JSON line per event, every engine step bound to its fleet run,
  // job id, repo, PR and SHA. What goes out passes the redactor (the fleet key, the Redis password).
  // On stderr, where the runner has always logged (stdout stays free for a supervisor's own use).
  const logger = pino({ name: 'bumpbench-runner', level: process.env.LOG_LEVEL || 'info' }, pino.destination(2));
  const clean = (obj: object): object => JSON.parse(redactor.redact(JSON.stringify(obj))) as object;
  const log = {
    info: (obj: object, msg: string) => logger.info(clean(obj), redactor.redact(msg)),
    warn: (obj: object, msg: string) => logger.warn(clean(obj), redactor.redact(msg)),
  };
  const concurrency = flags.slots || 1;
  const stopped = untilSignal();
  await sweepLeftovers(flags.dataDir, log);
  const runner = startFleetRunner({
    redisUrl: fleet.redisUrl, key: fleet.key, dataDir: flags.dataDir, runJob, concurrency, soakSlots: flags.soakSlots, log, sandbox: sandboxRequirement(flags),
  });
  log.info({ redis: redactUrl(fleet.redisUrl), dataDir: flags.dataDir, concurrency, soakSlots: flags.soakSlots, lockMs: fleetLockMs() }, 'bumpbench fleet runner started');
  const signal = await stopped;
  log.info({ signal }, 'stopping: a running job goes back to the fleet queue for another runner');
  await runner.close();
  // A BullMQ worker closed while its stalled-job check is in flight may leave that check's timer behind;
  // nothing is left to do, so do not let it hold the process.
  exitSoon(0, 1000);
  return 0;
}
