// The worker loop: one job at a time per machine. It claims a job, runs it through the injected JobRunner
// (the real one calls the engine's runJob), and publishes progress and the outcome through the injected
// reporter. It knows nothing of GitHub: the App and a future remote worker plug in their own runner/reporter.
import type { JobResult, ProgressEvent } from '../model.ts';
import type { Job, JobQueue } from './queue.ts';
import { newWorkerId } from './sqlite-queue.ts';

/** The subset of a pino logger the worker uses (Probot's `app.log` satisfies it). */
export interface Log {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Log;
}

export interface RunContext {
  signal: AbortSignal;
  onProgress: (event: ProgressEvent) => void;
  log: Log;
}

export type JobRunner = (job: Job, ctx: RunContext) => Promise<JobResult>;

/** Reporter callbacks. Each must be idempotent: a job rerun after a crash reports to the same places again. */
export interface JobReporter {
  started(job: Job, log: Log): Promise<void>;
  progress(job: Job, event: ProgressEvent, log: Log): void;
  completed(job: Job, result: JobResult, log: Log): Promise<void>;
  failed(job: Job, error: unknown, log: Log): Promise<void>;
  cancelled(job: Job, reason: string, log: Log): Promise<void>;
}

export interface WorkerOptions {
  queue: JobQueue;
  runner: JobRunner;
  reporter: JobReporter;
  log: Log;
  workerId?: string;
  /** How often an idle worker looks for work (an in-process enqueue calls wake() instead). */
  pollMs?: number;
  /** How often a running job checks whether it was cancelled (by another process, too). */
  cancelCheckMs?: number;
  heartbeatMs?: number;
  /** Turns an error into the text stored with the job and logged (the App passes its secret redactor). */
  describeError?: (error: unknown) => string;
}

export interface Worker {
  readonly id: string;
  /** Recovers what a dead worker left behind, then starts the loop. */
  start(): Promise<void>;
  /** Look for work now. */
  wake(): void;
  /** Stops the loop. A running job is aborted and put back in the queue, to be rerun on the next start. */
  stop(): Promise<void>;
  /** Resolves when the queue holds no job this worker can take and none is running (tests, the CLI). */
  idle(): Promise<void>;
  readonly current: Job | null;
}

/** Thrown into the runner's signal when the worker shuts down (not a user cancel). */
export class ShutdownError extends Error {
  constructor() {
    super('the worker is shutting down; the job will be rerun on the next start');
    this.name = 'ShutdownError';
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createWorker(options: WorkerOptions): Worker {
  const { queue, runner, reporter } = options;
  const id = options.workerId ?? newWorkerId();
  const pollMs = options.pollMs ?? 1000;
  const cancelCheckMs = options.cancelCheckMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const log = options.log.child({ worker: id });
  const describe = options.describeError ?? describeError;

  let stopping = false;
  let loop: Promise<void> | null = null;
  let current: Job | null = null;
  let currentAbort: AbortController | null = null;
  let wakeUp: (() => void) | null = null;
  let idleWaiters: (() => void)[] = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  async function safely(what: string, jobLog: Log, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      jobLog.error({ err: describe(err) }, `reporting "${what}" failed`);
    }
  }

  async function runOne(job: Job): Promise<void> {
    const jobLog = log.child({ jobId: job.id, repo: job.repo, pr: job.pr, sha: job.sha, kind: job.kind });
    jobLog.info({ attempt: job.attempts }, 'job started');
    const abort = new AbortController();
    currentAbort = abort;
    current = job;
    const watch = setInterval(() => {
      const now = queue.get(job.id);
      if (now?.state === 'cancelled' && !abort.signal.aborted) {
        jobLog.info({ reason: now.cancelReason }, 'job cancelled while running: aborting it');
        abort.abort(new Error(now.cancelReason ?? 'cancelled'));
      }
    }, cancelCheckMs);
    const beat = setInterval(() => queue.heartbeat(job.id), heartbeatMs);
    try {
      await safely('started', jobLog, () => reporter.started(job, jobLog));
      let result: JobResult | undefined;
      let error: unknown;
      try {
        result = await runner(job, {
          signal: abort.signal,
          log: jobLog,
          onProgress: (event) => {
            try {
              reporter.progress(job, event, jobLog);
            } catch (err) {
              jobLog.warn({ err: describe(err) }, 'progress reporting failed');
            }
          },
        });
      } catch (err) {
        error = err;
      }
      if (stopping && abort.signal.reason instanceof ShutdownError) {
        queue.release(job.id);
        jobLog.info('job interrupted by shutdown: back in the queue');
        return;
      }
      const latest = queue.get(job.id);
      if (latest?.state === 'cancelled') {
        const reason = latest.cancelReason ?? 'cancelled';
        await safely('cancelled', jobLog, () => reporter.cancelled(latest, reason, jobLog));
        jobLog.info({ reason }, 'job cancelled');
        return;
      }
      // Report before marking the job finished: if we die in between, the rerun reports again to the same
      // check run and the same sticky comment, so the user still sees one result.
      if (result !== undefined) {
        await safely('completed', jobLog, () => reporter.completed(latest ?? job, result, jobLog));
        queue.complete(job.id);
        jobLog.info({ verdict: result.verdict }, 'job completed');
      } else {
        await safely('failed', jobLog, () => reporter.failed(latest ?? job, error, jobLog));
        queue.fail(job.id, describe(error));
        jobLog.warn({ err: describe(error) }, 'job failed');
      }
    } finally {
      clearInterval(watch);
      clearInterval(beat);
      current = null;
      currentAbort = null;
    }
  }

  async function run(): Promise<void> {
    while (!stopping) {
      let job: Job | null = null;
      try {
        job = queue.claim(id);
      } catch (err) {
        log.error({ err: describe(err) }, 'claiming a job failed; retrying');
      }
      if (job) {
        await runOne(job);
        continue;
      }
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
      await sleep(pollMs);
    }
  }

  return {
    id,
    get current() {
      return current;
    },
    async start() {
      if (loop) return;
      const { requeued, failed } = queue.recover();
      for (const job of requeued) {
        log.info({ jobId: job.id, attempt: job.attempts }, 'job left running by a stopped worker: queued again');
      }
      for (const job of failed) {
        const jobLog = log.child({ jobId: job.id, repo: job.repo, pr: job.pr, sha: job.sha });
        jobLog.warn({ err: job.error }, 'job gave up after repeated worker deaths');
        await safely('failed', jobLog, () => reporter.failed(job, new Error(job.error ?? 'worker died'), jobLog));
      }
      loop = run();
    },
    wake() {
      wakeUp?.();
    },
    async stop() {
      stopping = true;
      currentAbort?.abort(new ShutdownError());
      wakeUp?.();
      await loop;
      loop = null;
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        wakeUp?.();
      });
    },
  };
}
