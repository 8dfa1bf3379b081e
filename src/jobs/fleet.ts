// The runner fleet, for when one machine is not enough. The App keeps its durable SQLite queue (dedupe,
// supersede, cancel, check-run ids, recovery after a crash): that part does not change. What moves is the
// measuring: each job's run is handed over BullMQ on Redis to whichever runner machine is free, and its
// progress and result come back the same way. A runner holds no GitHub credentials, only Redis and the
// fleet key.
//
//   App (serve): worker slot ──execute──► dispatcher ──signed run──► runner (worker) runs the engine
//                            ◄─checked─            ◄─signed progress / outcome─
//
// Redis is not trusted with anything that matters (docs/security.md): every message carries an HMAC made
// with the fleet key (src/jobs/fleet-key.ts) and is checked with zod (src/jobs/fleet-messages.ts) before
// it is acted on, so whoever reaches Redis cannot give a runner a job or the App a result. The clone token
// is minted by the App only when a runner has taken the run (BullMQ's `active` event), sealed with the
// fleet key, and pushed to a short-lived list the runner pops: it is never part of a job's stored data.
//
// Cancelling sets a key the runner polls; a runner that dies mid-job loses its BullMQ lock and the job
// goes back to the BullMQ queue for another runner (BullMQ's stalled-job check, within about twice the
// lock time, BUMPBENCH_FLEET_LOCK_MS); a runner that finds its lock gone (the run moved on, or Redis lost
// it) stops its engine. The App watches its runs: one that vanished from Redis (restarted without its
// data) is queued again, so a Redis restart loses no job; SQLite stays the source of truth either way.
// Soaks go through a queue of their own, so a runner's soak slots never hold up its compares.
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, UnrecoverableError, Worker as BullWorker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { ConfigError, parseConfigText } from '../config/load.ts';
import type { JobRequest, JobResult, ProgressEvent } from '../model.ts';
import { CancelledError, UserFacingError } from '../pipeline/errors.ts';
import type { SandboxRequirement } from '../pipeline/job-sandbox.ts';
import type { RunJobOptions } from '../pipeline/run-job.ts';
import type { JobExecutor, RunAccess } from './executor.ts';
import type { FleetKey, SignedPurpose } from './fleet-key.ts';
import { RedisSoakLedger } from './fleet-soak-ledger.ts';
import {
  describeIssues,
  outcomeSchema,
  progressEventSchema,
  runPayloadSchema,
  signedEnvelopeSchema,
  tokenGrantSchema,
  type FleetOutcome,
  type RunPayload,
  type SignedEnvelope,
  type TokenGrant,
} from './fleet-messages.ts';

export const FLEET_QUEUE = 'bumpbench-runs';
/** Soaks travel apart: a runner takes them in slots of their own (--soak-slots). */
export const FLEET_SOAK_QUEUE = 'bumpbench-soaks';
const queueOf = (kind: JobRequest['kind']) => (kind === 'soak' ? FLEET_SOAK_QUEUE : FLEET_QUEUE);
const cancelKey = (id: string) => `bumpbench:cancel:${id}`;
const tokenKey = (id: string) => `bumpbench:token:${id}`;
/** Finished BullMQ jobs are kept this long (the App has the result by then; this is for inspection). */
const KEEP_SECONDS = 24 * 3600;
/** A sealed token nobody popped is gone after this long. */
const TOKEN_TTL_SECONDS = 300;
/** Runs older than this are refused by a runner: a signed message replayed later. */
const DEFAULT_MAX_RUN_AGE_MS = KEEP_SECONDS * 1000;

type EngineFn = (request: JobRequest, options: RunJobOptions) => Promise<JobResult>;

export interface FleetLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
const silent: FleetLog = { info: () => {}, warn: () => {} };

function signed(key: FleetKey, purpose: SignedPurpose, id: string, message: unknown): SignedEnvelope {
  const payload = JSON.stringify(message);
  return { payload, mac: key.sign(purpose, id, payload) };
}

/** The message inside a signed envelope, or why it is refused. */
function unwrap(key: FleetKey, purpose: SignedPurpose, id: string, data: unknown): { ok: true; value: unknown } | { ok: false; why: string } {
  const envelope = signedEnvelopeSchema.safeParse(data);
  if (!envelope.success) return { ok: false, why: `not a signed message (${describeIssues(envelope.error)})` };
  if (!key.verify(purpose, id, envelope.data.payload, envelope.data.mac)) {
    return { ok: false, why: 'its HMAC does not match: not written with this fleet key, or altered' };
  }
  try {
    return { ok: true, value: JSON.parse(envelope.data.payload) };
  } catch {
    return { ok: false, why: 'its payload is not JSON' };
  }
}

function outcomeOf(error: unknown): FleetOutcome {
  if (error instanceof CancelledError) return { ok: false, kind: 'cancelled', message: error.message };
  if (error instanceof ConfigError) return { ok: false, kind: 'config', message: error.message, source: error.source, problems: error.problems };
  if (error instanceof UserFacingError) return { ok: false, kind: 'user', message: error.message, detail: error.detail };
  return { ok: false, kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

function errorOf(outcome: Exclude<FleetOutcome, { ok: true }>): Error {
  switch (outcome.kind) {
    case 'cancelled':
      return new CancelledError(outcome.message);
    case 'config':
      return new ConfigError(outcome.source ?? 'config', outcome.problems ?? [outcome.message]);
    case 'user':
      return new UserFacingError(outcome.message, outcome.detail);
    default:
      return new Error(`the runner failed: ${outcome.message}`);
  }
}

/** The App re-checks that a result answers the run it sent: same kind, same commits when it named them. */
function mismatch(request: JobRequest, result: JobResult): string | null {
  if (result.kind !== request.kind) return `a ${result.kind} result for a ${request.kind} run`;
  for (const side of ['base', 'head'] as const) {
    const asked = request[side].sha;
    if (asked && result[side].sha !== asked) return `${side} ${result[side].sha.slice(0, 7)} instead of ${asked.slice(0, 7)}`;
  }
  return null;
}

/** BullMQ's blocking connections must retry forever instead of failing a command (its documented setting). */
const connect = (url: string) => new Redis(url, { maxRetriesPerRequest: null });

export interface FleetDispatcher {
  /** The fleet as an executor: the run happens on a runner. */
  execute: JobExecutor;
  close(): Promise<void>;
}

export interface FleetDispatcherOptions {
  redisUrl: string;
  key: FleetKey;
  log?: FleetLog;
  /** How often a waiting run is looked for in Redis (queued again when it vanished). Default 5 s. */
  watchMs?: number;
}

/** `owner/name` of a clone URL, for logs; the text itself when it is not a URL. */
function repoName(repo: string): string {
  try {
    return new URL(repo).pathname.replace(/^\//, '').replace(/\.git$/, '');
  } catch {
    return repo;
  }
}

const VANISHED = Symbol('vanished');

export async function createFleetDispatcher(options: FleetDispatcherOptions): Promise<FleetDispatcher> {
  const { key } = options;
  const log = options.log ?? silent;
  const watchMs = options.watchMs ?? 5_000;
  // BullMQ leaves connections it was given open on close(): we keep them to close them ourselves.
  const control = connect(options.redisUrl);
  const connections = [control];
  const lanes = new Map<string, { queue: Queue<SignedEnvelope, SignedEnvelope>; events: QueueEvents }>();
  for (const name of [FLEET_QUEUE, FLEET_SOAK_QUEUE]) {
    const queueConnection = connect(options.redisUrl);
    const eventsConnection = connect(options.redisUrl);
    connections.push(queueConnection, eventsConnection);
    lanes.set(name, { queue: new Queue<SignedEnvelope, SignedEnvelope>(name, { connection: queueConnection }), events: new QueueEvents(name, { connection: eventsConnection }) });
  }
  await Promise.all([...lanes.values()].flatMap((l) => [l.queue.waitUntilReady(), l.events.waitUntilReady()]));
  for (const [name, { queue, events }] of lanes) {
    // A Redis restart surfaces as errors here while the connections retry: logged, never fatal.
    const onError = (err: Error) => log.warn({ queue: name, err: err.message }, 'fleet: Redis or BullMQ error');
    queue.on('error', onError);
    events.on('error', onError);
  }

  interface Waiting {
    onProgress: (event: ProgressEvent) => void;
    onActive: () => void;
  }
  const waiting = new Map<string, Waiting>();
  for (const { events } of lanes.values()) {
    events.on('progress', ({ jobId, data }) => {
      const run = waiting.get(jobId);
      if (!run) return;
      const message = unwrap(key, 'progress', jobId, data);
      const event = message.ok ? progressEventSchema.safeParse(message.value) : null;
      if (event?.success) run.onProgress(event.data);
      else log.warn({ fleetRun: jobId, why: message.ok ? 'not a progress event' : message.why }, 'fleet progress refused');
    });
    events.on('active', ({ jobId }) => waiting.get(jobId)?.onActive());
  }

  /** Mints the token now that a runner has the run, and leaves it sealed where only that run looks. */
  async function handOverToken(id: string, access: RunAccess): Promise<void> {
    let grant: TokenGrant;
    try {
      grant = { token: await access.mintToken!() };
    } catch (err) {
      grant = { error: `could not mint a token to fetch the repository: ${err instanceof Error ? err.message : String(err)}` };
    }
    await control.multi().rpush(tokenKey(id), key.seal(id, JSON.stringify(grant))).expire(tokenKey(id), TOKEN_TTL_SECONDS).exec();
  }

  /** Resolves when the run is no longer in Redis at all (Redis restarted without its data); never otherwise. */
  function vanished(queue: Queue, id: string, stop: AbortSignal): Promise<typeof VANISHED> {
    return new Promise((resolve) => {
      const look = async () => {
        while (!stop.aborted) {
          await new Promise((r) => setTimeout(r, watchMs));
          if (stop.aborted) return;
          const state = await queue.getJobState(id).catch(() => null);
          if (state === 'unknown') return resolve(VANISHED);
        }
      };
      void look();
    });
  }

  const execute: JobExecutor = async (request, options, access) => {
    options.signal?.throwIfAborted();
    if (options.config && access.configText === undefined) {
      throw new Error('a fleet run needs the config as text (RunAccess.configText): runners validate it themselves');
    }
    const id = randomUUID();
    const { queue, events } = lanes.get(queueOf(request.kind))!;
    const payload: RunPayload = {
      v: 1,
      issuedAt: Date.now(),
      request,
      ...(access.configText !== undefined ? { configText: access.configText } : {}),
      ...(options.keepSamples !== undefined ? { keepSamples: options.keepSamples } : {}),
      ...(options.soakKey !== undefined ? { soakKey: options.soakKey } : {}),
      ...(access.jobId !== undefined ? { jobId: access.jobId } : {}),
      needsToken: access.mintToken !== undefined,
    };
    const progress = options.onProgress ?? (() => {});
    // The App's log tells the run's story too, from the signed progress its runner sends.
    const narrated = options.log;
    waiting.set(id, {
      onProgress: (event) => {
        const { message, ...fields } = event;
        narrated?.info({ engine: true, fleetRun: id, ...fields }, message);
        progress(event);
      },
      onActive: () => {
        if (!access.mintToken) return;
        handOverToken(id, access).catch((err: unknown) =>
          log.warn({ fleetRun: id, err: err instanceof Error ? err.message : String(err) }, 'could not hand the clone token over'),
        );
      },
    });
    let cancelled: (() => void) | undefined;
    const whenCancelled = new Promise<never>((_, reject) => {
      cancelled = () => reject(new CancelledError());
    });
    whenCancelled.catch(() => {});
    let job: BullJob<SignedEnvelope, SignedEnvelope> | undefined;
    const onAbort = async () => {
      // Not started yet: take it off the queue. Started: tell its runner, which stops and reports back.
      const removed = job ? await job.remove().then(() => true, () => false) : false;
      if (removed) cancelled!();
      else await control.set(cancelKey(id), '1', 'EX', KEEP_SECONDS);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const watching = new AbortController();
    const envelope = signed(key, 'run', id, payload);
    const add = () =>
      queue.add(request.kind, envelope, {
        jobId: id,
        attempts: 1,
        removeOnComplete: { age: KEEP_SECONDS },
        removeOnFail: { age: KEEP_SECONDS },
      });
    try {
      job = await add();
      progress({ phase: 'prepare', message: `waiting for a free runner (fleet run ${id})` });
      let returned: unknown;
      for (;;) {
        try {
          const finished = job.waitUntilFinished(events);
          finished.catch(() => {});
          returned = await Promise.race([finished, whenCancelled, vanished(queue, id, watching.signal)]);
        } catch (err) {
          if (err instanceof CancelledError) throw err;
          // The runner failed the BullMQ job instead of sending an outcome: its reason is unsigned text, so
          // it goes to the log, not to the check run.
          log.warn({ fleetRun: id, reason: err instanceof Error ? err.message : String(err) }, 'fleet run failed without a signed outcome');
          throw new Error(`fleet run ${id} ended without a signed outcome; see the App's and the runner's logs`);
        }
        if (returned !== VANISHED) break;
        // Redis lost the run (a restart without persistence): queue it again, same id, same signed payload.
        log.warn({ fleetRun: id }, 'fleet run vanished from Redis (restarted without its data?): queued again');
        progress({ phase: 'prepare', message: `the fleet run ${id} was lost by Redis; queued again` });
        job = await add();
      }
      const message = unwrap(key, 'outcome', id, returned);
      if (!message.ok) {
        log.warn({ fleetRun: id, why: message.why }, 'fleet outcome refused');
        throw new Error(`the outcome of fleet run ${id} was refused: ${message.why}`);
      }
      const outcome = outcomeSchema.safeParse(message.value);
      if (!outcome.success) throw new Error(`the outcome of fleet run ${id} was refused: ${describeIssues(outcome.error)}`);
      if (!outcome.data.ok) throw errorOf(outcome.data);
      const wrong = mismatch(request, outcome.data.result);
      if (wrong) throw new Error(`the outcome of fleet run ${id} was refused: ${wrong}`);
      return outcome.data.result;
    } finally {
      watching.abort();
      options.signal?.removeEventListener('abort', onAbort);
      waiting.delete(id);
      await control.del(tokenKey(id)).catch(() => undefined);
    }
  };

  return {
    execute,
    async close() {
      for (const { queue, events } of lanes.values()) {
        await events.close();
        await queue.close();
      }
      for (const connection of connections) connection.disconnect();
    },
  };
}

export interface FleetRunner {
  close(): Promise<void>;
}

export interface FleetRunnerOptions {
  redisUrl: string;
  key: FleetKey;
  dataDir: string;
  /** The engine (tests may pass a stand-in). */
  runJob: EngineFn;
  /** Runs at once on this machine; 1 unless it has cores to spare for more servers. */
  concurrency?: number;
  log?: FleetLog;
  /** How often a running job checks whether it was cancelled. */
  cancelCheckMs?: number;
  /** How long a run waits for its clone token once it started. */
  tokenWaitMs?: number;
  /** Runs issued longer ago than this are refused. */
  maxRunAgeMs?: number;
  /** Sandbox for the repositories' commands: 'required' unless the runner was started with --unsafe-no-sandbox. */
  sandbox?: SandboxRequirement;
  /** Soaks at once on this runner, besides `concurrency` other runs (default 1; 0 takes no soaks). */
  soakSlots?: number;
  /**
   * How long a run's lock lasts unless renewed, and how often runners look for runs whose lock lapsed: a
   * runner that dies is replaced within about twice this (default BUMPBENCH_FLEET_LOCK_MS, else 30 s).
   */
  lockMs?: number;
}

/** BUMPBENCH_FLEET_LOCK_MS as a number of ms (default 30 000, BullMQ's own). */
export function fleetLockMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.BUMPBENCH_FLEET_LOCK_MS);
  return Number.isInteger(ms) && ms >= 1000 ? ms : 30_000;
}

export function startFleetRunner(options: FleetRunnerOptions): FleetRunner {
  const { key } = options;
  const control = connect(options.redisUrl);
  const workerConnection = connect(options.redisUrl);
  const log = options.log ?? silent;
  const maxAge = options.maxRunAgeMs ?? DEFAULT_MAX_RUN_AGE_MS;

  /** The run's payload, verified and validated; anything else is refused before any of it is used. */
  function accept(job: BullJob): RunPayload {
    const id = job.id!;
    const message = unwrap(key, 'run', id, job.data);
    let why = message.ok ? null : message.why;
    let run: RunPayload | undefined;
    if (message.ok) {
      const parsed = runPayloadSchema.safeParse(message.value);
      if (!parsed.success) why = `its payload is not a run (${describeIssues(parsed.error)})`;
      else if (Date.now() - parsed.data.issuedAt > maxAge) why = 'it was issued too long ago (a replayed run?)';
      else run = parsed.data;
    }
    if (!run) {
      log.warn({ fleetRun: id, why }, 'fleet run refused: nothing runs');
      // Unrecoverable: BullMQ fails it at once instead of offering it to another runner.
      throw new UnrecoverableError(`refused by the runner: ${why}`);
    }
    return run;
  }

  /** Pops the sealed token the App leaves once it sees this run active. */
  async function receiveToken(id: string, signal: AbortSignal): Promise<string> {
    const deadline = Date.now() + (options.tokenWaitMs ?? 60_000);
    while (Date.now() < deadline) {
      signal.throwIfAborted();
      const sealed = await control.lpop(tokenKey(id));
      if (sealed) {
        const opened = key.open(id, sealed);
        const grant = opened === null ? null : tokenGrantSchema.safeParse(JSON.parse(opened));
        if (!grant?.success) throw new Error('the clone token handed over for this run was not sealed with the fleet key');
        if ('error' in grant.data) throw new UserFacingError(grant.data.error);
        return grant.data.token;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no clone token arrived from the App within ${Math.round((options.tokenWaitMs ?? 60_000) / 1000)} s`);
  }

  const lockMs = options.lockMs ?? fleetLockMs();
  const connections = [workerConnection];

  const processor = (queueName: string) => async (job: BullJob<SignedEnvelope, SignedEnvelope>, token?: string) => {
    const id = job.id!;
    const run = accept(job);
    const abort = new AbortController();
    const { request } = run;
    const bindings = { fleetRun: id, jobId: run.jobId, repo: repoName(request.repo), pr: request.pr, sha: request.head.sha, kind: request.kind };
    // The lock is this runner's claim on the run. Gone or someone else's (the run moved to another runner
    // after this one stalled, or Redis lost it): stop, the run is being done elsewhere.
    const lockKey = `${worker(queueName).toKey(id)}:lock`;
    let misses = 0;
    const poll = setInterval(() => {
      control.get(cancelKey(id)).then((v) => v && abort.abort(), () => {});
      if (!token) return;
      control.get(lockKey).then(
        (holder) => {
          misses = holder === token ? 0 : misses + 1;
          if (misses >= 2 && !abort.signal.aborted) {
            log.warn(bindings, 'this runner no longer holds the run: stopping it');
            abort.abort(new Error('lost the run'));
          }
        },
        () => {},
      );
    }, options.cancelCheckMs ?? 1000);
    log.info(bindings, 'fleet run started');
    try {
      const gitToken = run.needsToken ? await receiveToken(id, abort.signal) : undefined;
      const config = run.configText !== undefined ? parseConfigText(run.configText) : undefined;
      const result = await options.runJob(request, {
        dataDir: options.dataDir,
        signal: abort.signal,
        sandbox: options.sandbox ?? 'required',
        ...(config ? { config } : {}),
        ...(gitToken ? { gitToken } : {}),
        ...(run.keepSamples !== undefined ? { keepSamples: run.keepSamples } : {}),
        // A soak keeps its samples in Redis, where the runner that takes it over finds them.
        ...(run.soakKey !== undefined ? { soakKey: run.soakKey, soakLedger: (k: string) => new RedisSoakLedger(control, key, k) } : {}),
        log: { info: (obj, msg) => log.info({ ...bindings, ...obj }, msg) },
        onProgress: (event) => void job.updateProgress(signed(key, 'progress', id, event)).catch(() => {}),
      });
      return signed(key, 'outcome', id, { ok: true, result } satisfies FleetOutcome);
    } catch (err) {
      const outcome = outcomeOf(abort.signal.aborted ? new CancelledError() : err);
      log.info({ ...bindings, outcome: outcome.ok ? 'ok' : outcome.kind }, 'fleet run ended without a result');
      return signed(key, 'outcome', id, outcome);
    } finally {
      clearInterval(poll);
    }
  };

  const workers = new Map<string, BullWorker<SignedEnvelope, SignedEnvelope>>();
  const worker = (name: string) => workers.get(name)!;
  const lanes: [string, number][] = [[FLEET_QUEUE, options.concurrency ?? 1], [FLEET_SOAK_QUEUE, options.soakSlots ?? 1]];
  for (const [name, concurrency] of lanes) {
    if (concurrency < 1) continue;
    const connection = name === FLEET_QUEUE ? workerConnection : connect(options.redisUrl);
    if (connection !== workerConnection) connections.push(connection);
    // maxStalledCount 2: a run survives two dead runners; the third time it fails (a crash-loop guard).
    const w = new BullWorker<SignedEnvelope, SignedEnvelope>(name, processor(name), {
      connection, concurrency, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 2,
    });
    // Redis going away (a restart) and a run whose lock was lost surface here: logged, never fatal.
    w.on('error', (err) => log.warn({ queue: name, err: err.message }, 'fleet runner: Redis or BullMQ error'));
    workers.set(name, w);
  }
  return {
    async close() {
      // Not waiting for the running job: its lock lapses and BullMQ hands it to another runner.
      for (const w of workers.values()) await w.close(true);
      control.disconnect();
      for (const connection of connections) connection.disconnect();
    },
  };
}
