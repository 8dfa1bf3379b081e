// The runner fleet, for when one machine is not enough. The App keeps its durable SQLite queue (dedupe,
// supersede, cancel, check-run ids, recovery after a crash): that part does not change. What moves is the
// measuring: each job's run is handed over BullMQ on Redis to whichever runner machine is free, and its
// progress and result come back the same way. So a runner needs no GitHub credentials at all, only Redis;
// the one secret a job carries is the short-lived clone URL token (see docs/deployment.md).
//
//   App (serve --redis URL): worker slot ──runJob──► dispatcher ──BullMQ job──► runner (worker --redis URL)
//                                          ◄─result─            ◄─progress/result─   runs the engine
//
// Cancelling sets a key the runner polls; a runner that dies mid-job loses its BullMQ lock and the job
// goes back to the BullMQ queue for another runner (BullMQ's stalled-job check).
import { Queue, QueueEvents, Worker as BullWorker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { ConfigError } from '../config/load.ts';
import type { JobRequest, JobResult, ProgressEvent } from '../model.ts';
import { CancelledError, UserFacingError } from '../pipeline/errors.ts';
import type { RunJobOptions } from '../pipeline/run-job.ts';

export const FLEET_QUEUE = 'bumpbench-runs';
const cancelKey = (id: string) => `bumpbench:cancel:${id}`;
/** Finished BullMQ jobs are kept this long (the App has the result by then; this is for inspection). */
const KEEP_SECONDS = 24 * 3600;

type EngineFn = (request: JobRequest, options: RunJobOptions) => Promise<JobResult>;

/** What travels to a runner: everything of RunJobOptions that is data, not a callback or a local path. */
export interface FleetRunData {
  request: JobRequest;
  options: Pick<RunJobOptions, 'config' | 'childEnv' | 'authCloneUrl' | 'keepSamples'>;
}

type FailureKind = 'user' | 'config' | 'cancelled' | 'internal';
/** A runner always completes its BullMQ job with one of these, so the App can rebuild the error's type. */
export type FleetOutcome =
  | { ok: true; result: JobResult }
  | { ok: false; kind: FailureKind; message: string; detail?: string; source?: string; problems?: string[] };

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

/** BullMQ's blocking connections must retry forever instead of failing a command (its documented setting). */
const connect = (url: string) => new Redis(url, { maxRetriesPerRequest: null });

export interface FleetDispatcher {
  /** Drop-in for the engine's runJob: the run happens on a runner. */
  runJob: EngineFn;
  close(): Promise<void>;
}

export async function createFleetDispatcher(redisUrl: string): Promise<FleetDispatcher> {
  const queue = new Queue<FleetRunData, FleetOutcome>(FLEET_QUEUE, { connection: connect(redisUrl) });
  const events = new QueueEvents(FLEET_QUEUE, { connection: connect(redisUrl) });
  const control = connect(redisUrl);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const listeners = new Map<string, (event: ProgressEvent) => void>();
  events.on('progress', ({ jobId, data }) => listeners.get(jobId)?.(data as ProgressEvent));

  async function runJob(request: JobRequest, options: RunJobOptions): Promise<JobResult> {
    options.signal?.throwIfAborted();
    const data: FleetRunData = {
      request,
      options: { config: options.config, childEnv: options.childEnv, authCloneUrl: options.authCloneUrl, keepSamples: options.keepSamples },
    };
    const job = await queue.add(request.kind, data, { attempts: 1, removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } });
    const id = job.id!;
    const progress = options.onProgress ?? (() => {});
    listeners.set(id, progress);
    progress({ phase: 'prepare', message: `waiting for a free runner (fleet run ${id})` });
    let cancelled: (() => void) | undefined;
    const whenCancelled = new Promise<never>((_, reject) => {
      cancelled = () => reject(new CancelledError());
    });
    whenCancelled.catch(() => {});
    const onAbort = async () => {
      // Not started yet: take it off the queue. Started: tell its runner, which stops and reports back.
      const removed = await job.remove().then(() => true, () => false);
      if (removed) cancelled!();
      else await control.set(cancelKey(id), '1', 'EX', KEEP_SECONDS);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = (await Promise.race([job.waitUntilFinished(events), whenCancelled])) as FleetOutcome;
      if (outcome.ok) return outcome.result;
      throw errorOf(outcome);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      listeners.delete(id);
    }
  }

  return {
    runJob,
    async close() {
      await events.close();
      await queue.close();
      control.disconnect();
    },
  };
}

export interface FleetRunner {
  close(): Promise<void>;
}

export interface FleetRunnerOptions {
  redisUrl: string;
  dataDir: string;
  /** The engine (tests pass the real one too; this is for wiring). */
  runJob: EngineFn;
  /** Runs at once on this machine; 1 unless it has cores to spare for more servers. */
  concurrency?: number;
  log?: { info(obj: object, msg: string): void };
  /** How often a running job checks whether it was cancelled. */
  cancelCheckMs?: number;
}

export function startFleetRunner(options: FleetRunnerOptions): FleetRunner {
  const control = connect(options.redisUrl);
  const log = options.log;
  const worker = new BullWorker<FleetRunData, FleetOutcome>(
    FLEET_QUEUE,
    async (job: BullJob<FleetRunData, FleetOutcome>) => {
      const abort = new AbortController();
      const poll = setInterval(() => {
        control.get(cancelKey(job.id!)).then((v) => v && abort.abort(), () => {});
      }, options.cancelCheckMs ?? 1000);
      log?.info({ fleetRun: job.id, kind: job.data.request.kind }, 'fleet run started');
      try {
        const result = await options.runJob(job.data.request, {
          ...job.data.options,
          dataDir: options.dataDir,
          signal: abort.signal,
          onProgress: (event) => void job.updateProgress(event as unknown as object).catch(() => {}),
        });
        return { ok: true, result };
      } catch (err) {
        const outcome = outcomeOf(abort.signal.aborted ? new CancelledError() : err);
        log?.info({ fleetRun: job.id, kind: outcome.ok ? 'ok' : outcome.kind }, 'fleet run ended without a result');
        return outcome;
      } finally {
        clearInterval(poll);
      }
    },
    { connection: connect(options.redisUrl), concurrency: options.concurrency ?? 1 },
  );
  return {
    async close() {
      // Not waiting for the running job: its lock lapses and BullMQ hands it to another runner.
      await worker.close(true);
      control.disconnect();
    },
  };
}
