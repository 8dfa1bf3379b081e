// `bumpbench serve`: the GitHub App. Probot's `run` reads the standard environment (APP_ID,
// PRIVATE_KEY / PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, LOG_LEVEL, LOG_FORMAT, WEBHOOK_PATH,
// GHE_HOST + GHE_PROTOCOL → `<protocol>://<host>/api/v3`, and a .env file) and starts the webhook server;
// without credentials it serves the setup flow that registers the App from app.yml. Beside it runs the
// worker, one job at a time; with a Redis URL (BUMPBENCH_REDIS_URL / REDIS_URL, or --redis-url-file) and
// the fleet key the worker slots hand the runs to a runner fleet (`bumpbench worker` on each runner
// machine, src/jobs/fleet.ts).
import path from 'node:path';
import { run, type ApplicationFunction, type Probot } from 'probot';
import { declareShutdownOwner } from '../bench/index.ts';
import type { SandboxRequirement } from '../pipeline/job-sandbox.ts';
import { sandboxSupport, type SandboxSupport } from '../sandbox/support.ts';
import { mountDashboard } from '../dashboard/server.ts';
import { createApp } from '../github/app.ts';
import { DeliveryLog } from '../github/delivery-log.ts';
import { PrHeads } from '../github/pr-heads.ts';
import { redactor, scrubSecretEnv } from '../github/redact.ts';
import { createGitHubWorkers } from '../github/worker-setup.ts';
import { createFleetDispatcher, type FleetDispatcher } from '../jobs/fleet.ts';
import { SqliteJobQueue } from '../jobs/sqlite-queue.ts';
import type { Worker } from '../jobs/worker.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { sweepStaleJobDirs } from '../workspace/stale-work.ts';
import { parseCommandArgs, usageLine, type CommandSpec } from './command-args.ts';
import { loadDotEnv } from './env-file.ts';
import { readFleetSettings, REDIS_URL_HINT, type FleetFlags } from './fleet-settings.ts';
import { processIo, reportError, UsageError, type CliIo } from './io.ts';

export const SERVE_SPEC = {
  name: 'serve',
  summary:
    'Runs the GitHub App (webhooks on PORT, default 3000) and, unless --no-worker, the benchmark worker.\n' +
    'With a Redis URL (BUMPBENCH_REDIS_URL or REDIS_URL, or --redis-url-file) and the fleet key\n' +
    '(BUMPBENCH_FLEET_KEY, or --fleet-key-file) jobs run on a fleet of runners (`bumpbench worker`).',
  flags: {
    'data-dir': { type: 'string', value: 'DIR', help: 'the job queue and results (default: $BUMPBENCH_DATA_DIR or ~/.bumpbench)' },
    'no-worker': { type: 'boolean', help: 'webhooks only; jobs wait in the queue for `bumpbench worker`' },
    'redis-url-file': { type: 'string', value: 'PATH', help: "a file holding the runner fleet's Redis URL (default: $BUMPBENCH_REDIS_URL or $REDIS_URL)" },
    'fleet-key-file': { type: 'string', value: 'PATH', help: 'a file holding the key the App and its runners share (default: $BUMPBENCH_FLEET_KEY)' },
    'fleet-slots': { type: 'string', value: 'N', help: 'fleet runs at once, 1 to 100 (default: 4)' },
    'soak-slots': {
      type: 'string',
      value: 'N',
      help: 'soaks at once in their own lane, 0 to 100 (default: 1; 0: soaks wait in line with everything else)',
    },
    concurrency: { type: 'string', value: 'N', hidden: true, help: 'old name of --fleet-slots' },
    'unsafe-no-sandbox': {
      type: 'boolean',
      help: "run the benchmarked repositories' code WITHOUT the sandbox, with this user's rights (docs/sandbox.md)",
    },
    // Accepted only to be refused with a message that says what to do instead.
    redis: { type: 'string', value: 'URL', hidden: true, help: 'refused: the URL would be on the command line' },
  },
  notes:
    'Environment: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET (required), PORT, HOST, LOG_LEVEL,\n' +
    'BUMPBENCH_REDIS_URL or REDIS_URL, BUMPBENCH_FLEET_KEY, GHE_HOST and GHE_PROTOCOL (GitHub Enterprise),\n' +
    'BUMPBENCH_DATA_DIR. See docs/deployment.md.\n' +
    'Without APP_ID and a private key it starts the setup flow that registers the App (app.yml).',
} as const satisfies CommandSpec;

export interface ServeFlags extends FleetFlags {
  dataDir: string;
  worker: boolean;
  /** --unsafe-no-sandbox: the operator accepts running repositories' code unsandboxed. */
  unsandboxed: boolean;
  /** Fleet runs at once (serve), or runs at once on this runner (worker). */
  slots: number;
  /** Soaks at once, in their own lane (default 1). */
  soakSlots: number;
}

/**
 * The flags of `serve`, or of `worker` given its spec (a subset of the same flags: the same meaning and
 * checks). Bad input throws a UsageError; `{ help }` when help was asked for.
 */
export function parseServeArgs(args: string[], spec: CommandSpec = SERVE_SPEC): ServeFlags | { help: string } {
  const parsed = parseCommandArgs(spec, args);
  if (parsed.help !== undefined) return { help: parsed.help };
  const values = parsed.values as {
    'data-dir'?: string;
    'no-worker'?: boolean;
    redis?: string;
    'redis-url-file'?: string;
    'fleet-key-file'?: string;
    'fleet-slots'?: string;
    concurrency?: string;
    'soak-slots'?: string;
    'unsafe-no-sandbox'?: boolean;
  };
  const usage = usageLine(spec);
  if (values.redis !== undefined) {
    // Refused outright: the URL's password would be readable by every user in /proc/PID/cmdline.
    throw new UsageError(
      `--redis is not accepted: a Redis URL on the command line (password included) is readable by every user of the machine. Instead, ${REDIS_URL_HINT}\n${usage}`,
    );
  }
  let slots = 0;
  for (const name of ['fleet-slots', 'concurrency'] as const) {
    if (values[name] === undefined) continue;
    slots = Number(values[name]);
    if (!Number.isInteger(slots) || slots < 1 || slots > 100) throw new UsageError(`--${name} needs a whole number from 1 to 100\n${usage}`);
  }
  let soakSlots = 1;
  if (values['soak-slots'] !== undefined) {
    soakSlots = Number(values['soak-slots']);
    if (!Number.isInteger(soakSlots) || soakSlots < 0 || soakSlots > 100) throw new UsageError(`--soak-slots needs a whole number from 0 to 100\n${usage}`);
  }
  return {
    dataDir: path.resolve(values['data-dir'] ?? defaultDataDir()),
    worker: !values['no-worker'],
    unsandboxed: values['unsafe-no-sandbox'] === true,
    slots,
    soakSlots,
    ...(values['redis-url-file'] ? { redisUrlFile: values['redis-url-file'] } : {}),
    ...(values['fleet-key-file'] ? { fleetKeyFile: values['fleet-key-file'] } : {}),
  };
}

/**
 * Why serve must not start with this environment, or null. Without WEBHOOK_SECRET Probot would verify
 * webhooks against the secret "development", so anyone could send one. The setup flow (no App
 * credentials yet) is the exception: it receives no webhooks and it is what creates the secret.
 */
export function missingWebhookSecret(env: NodeJS.ProcessEnv = process.env): string | null {
  const hasCredentials = Boolean(env.APP_ID || env.PRIVATE_KEY || env.PRIVATE_KEY_PATH);
  if (!hasCredentials || env.WEBHOOK_SECRET) return null;
  return (
    'WEBHOOK_SECRET is not set. Without it anyone could send the App webhooks that pass verification ' +
    '(Probot would use the secret "development"). Set WEBHOOK_SECRET, in the environment or in .env, to the ' +
    "webhook secret of the App's settings on GitHub. See docs/deployment.md."
  );
}

/**
 * Why this process must not run jobs, or null: a worker runs code nobody reviewed, so it refuses to start
 * where the sandbox cannot work, unless the operator said --unsafe-no-sandbox.
 */
export function sandboxRefusal(flags: { unsandboxed: boolean }, support: SandboxSupport = sandboxSupport()): string | null {
  if (flags.unsandboxed || support.ok) return null;
  return (
    `the sandbox for the code of benchmarked repositories does not work on this machine: ${support.reason}. ` +
    'Fix that (docs/sandbox.md), or start with --unsafe-no-sandbox to run that code with this user\'s rights.'
  );
}

/** The sandbox requirement a worker of this process passes to the engine. */
export function sandboxRequirement(flags: { unsandboxed: boolean }): SandboxRequirement {
  return flags.unsandboxed ? 'off' : 'required';
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

/** How long a stopping process gives its running jobs to wind down and be released (it exits well within 30 s). */
export const SHUTDOWN_DEADLINE_MS = 20_000;

/**
 * After an orderly stop, the process must end even if something still holds the event loop (a job
 * abandoned at its deadline, a stuck socket): exit with the code once what could be closed is closed.
 */
export function exitSoon(code: number, afterMs = 2_000): void {
  setTimeout(() => process.exit(code), afterMs).unref();
}

/** Job dirs and worktrees a process killed outright left in the data dir: removed before any job starts. */
export async function sweepLeftovers(dataDir: string, log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void }): Promise<void> {
  try {
    const removed = await sweepStaleJobDirs(dataDir);
    if (removed.length > 0) log.info({ removed }, 'removed job dirs a stopped process left behind');
  } catch (err) {
    log.warn({ err: redactor.describe(err) }, 'could not look for job dirs left behind');
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
  // serve stops on SIGTERM/SIGINT in its own time (the running job goes back to the queue first).
  declareShutdownOwner();
  loadDotEnv();
  const noSecret = missingWebhookSecret();
  if (noSecret) {
    io.stderr(`bumpbench serve: ${noSecret}`);
    return 2;
  }
  const fleetSettings = flags.worker ? readFleetSettings(flags) : null;
  if (typeof fleetSettings === 'string') {
    io.stderr(`bumpbench serve: ${fleetSettings}`);
    return 2;
  }
  // Only a worker that measures here runs repositories' code; webhooks-only and fleet dispatch do not.
  const refusal = flags.worker && !fleetSettings ? sandboxRefusal(flags) : null;
  if (refusal) {
    io.stderr(`bumpbench serve: ${refusal}`);
    return 2;
  }
  const queue = SqliteJobQueue.open(flags.dataDir);
  // Beside the queue: deliveries already handled, and when each PR head became the head (src/github/app.ts).
  const deliveries = new DeliveryLog(queue.path);
  const heads = new PrHeads(queue.path);
  let probot: Probot | undefined;
  const workers: Worker[] = [];
  let fleet: FleetDispatcher | undefined;
  const handlers = createApp({ queue, deliveries, heads, onEnqueued: () => workers.forEach((w) => w.wake()) });
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
    deliveries.close();
    heads.close();
    queue.close();
    return 0;
  }
  // Probot has what it needs; from here on no child process can inherit the App's secrets.
  const removed = scrubSecretEnv();
  const log = probot.log.child({ name: 'bumpbench' });
  log.info({ dataDir: flags.dataDir, queue: queue.path, secretsRemovedFromEnv: removed }, 'bumpbench App started');
  if (flags.worker && !fleetSettings) await sweepLeftovers(flags.dataDir, log);
  if (fleetSettings) {
    // Each slot claims from the SQLite queue and waits on one fleet run; the runners do the measuring.
    fleet = await createFleetDispatcher({ redisUrl: fleetSettings.redisUrl, key: fleetSettings.key, log: probot.log.child({ name: 'fleet' }) });
    const slots = flags.slots || 4;
    workers.push(...createGitHubWorkers({ probot, queue, dataDir: flags.dataDir, log: probot.log, name: 'fleet-slot', execute: fleet.execute, slots, soakSlots: flags.soakSlots }));
    for (const w of workers) await w.start();
    log.info({ slots, soakSlots: flags.soakSlots, redis: redactUrl(fleetSettings.redisUrl) }, 'jobs run on the runner fleet');
  } else if (flags.worker) {
    if (flags.unsandboxed) log.warn('--unsafe-no-sandbox: benchmarked repositories run their code with this user\'s rights, unsandboxed');
    workers.push(...createGitHubWorkers({ probot, queue, dataDir: flags.dataDir, log: probot.log, name: 'worker', sandbox: sandboxRequirement(flags), slots: 1, soakSlots: flags.soakSlots }));
    for (const w of workers) await w.start();
  } else {
    log.info('--no-worker: jobs wait in the queue for `bumpbench worker`');
  }
  const signal = await stopped;
  // One owner of shutdown: take no new job, stop the running ones (their processes and worktrees go with
  // them), put them back in the queue without counting an attempt, and exit 0 within 30 s.
  const stopStarted = Date.now();
  log.info({ signal }, 'stopping: running jobs go back to the queue');
  try {
    await Promise.all(workers.map((w) => w.stop(SHUTDOWN_DEADLINE_MS)));
    await fleet?.close();
    await server.stop();
  } catch (err) {
    log.error({ err: redactor.describe(err) }, 'error while stopping');
  } finally {
    deliveries.close();
    heads.close();
    queue.close();
  }
  log.info({ signal, ms: Date.now() - stopStarted }, 'stopped');
  exitSoon(0);
  return 0;
}
