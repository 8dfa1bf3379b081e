// The worker loop: one job at a time per machine. It claims a job, runs it through the injected JobRunner
// (the real one calls the engine's runJob), and publishes progress and the outcome through the injected
// reporter. It knows nothing of GitHub: the App and a future remote worker plug in their own runner/reporter.
import type { JobResult, ProgressEvent } from '../model.ts';
import type { Job, JobQueue, Lane } from './queue.ts';
import { newWorkerId } from './worker-identity.ts';

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
  /** A job whose worker died was queued again (by any worker's recovery): say so where the user looks. */
  requeued?(job: Job, log: Log): Promise<void>;
}

/** The wall-clock budget of one job, and how it was arrived at (for the message when it runs out). */
export interface JobBudget {
  ms: number;
  why: string;
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
  /** The kinds this worker takes (default: all). */
  lane?: Lane;
  /** How often the worker looks for jobs whose worker died (default 30 s; also once at start). */
  recoverEveryMs?: number;
  /** The job's wall-clock budget; past it the job is stopped and fails saying so. None: no budget. */
  budgetOf?: (job: Job) => JobBudget | null;
  /**
   * After a job is told to stop (cancel, budget, shutdown, lost claim), how long the worker waits for it to
   * wind down before it lets go of it and moves on (default 5 s); its cleanup goes on in the background.
   */
  abortGraceMs?: number;
}

export interface Worker {
  readonly id: string;
  /** Recovers what a dead worker left behind, then starts the loop. */
  start(): Promise<void>;
  /** Look for work now. */
  wake(): void;
  /**
   * Stops the loop. A running job is aborted and put back in the queue without counting an attempt, to be
   * rerun on the next start. Returns within `deadlineMs` (default 20 s) even if the job is slow to wind down:
   * it is released then all the same.
   */
  stop(deadlineMs?: number): Promise<void>;
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

/** The job ran past its wall-clock budget. */
export class BudgetExceededError extends Error {
  constructor(readonly budget: JobBudget) {
    super(`the job ran past its time budget of ${formatMs(budget.ms)} (${budget.why}) and was stopped`);
    this.name = 'BudgetExceededError';
  }
}

/** The job is no longer this worker's: recovered as orphaned (this worker looked dead) and queued again. */
export class LostClaimError extends Error {
  constructor() {
    super('the job was taken back from this worker (it looked dead to a recovery) and will run elsewhere');
    this.name = 'LostClaimError';
  }
}

function formatMs(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.round(ms / 1000)} s`;
  return minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

const ABANDONED = Symbol('abandoned');

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createWorker(options: WorkerOptions): Worker {
  const { queue, runner, reporter } = options;
  const id = options.workerId ?? newWorkerId();
  const pollMs = options.pollMs ?? 1000;
  const cancelCheckMs = options.cancelCheckMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const recoverEveryMs = options.recoverEveryMs ?? 30_000;
  const abortGraceMs = options.abortGraceMs ?? 5000;
  const log = options.log.child({ worker: id });
  const describe = options.describeError ?? describeError;

  let stopping = false;
  let loop: Promise<void> | null = null;
  let current: Job | null = null;
  let currentAbort: AbortController | null = null;
  let wakeUp: (() => void) | null = null;
  let idleWaiters: (() => void)[] = [];
  let recoverTimer: NodeJS.Timeout | null = null;

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

  const logOf = (job: Job) => log.child({ jobId: job.id, repo: job.repo, pr: job.pr, sha: job.sha, kind: job.kind });

  /** Jobs a dead worker left running go back to the queue (or fail, after too many deaths), and say so. */
  async function recoverNow(): Promise<void> {
    let recovered;
    try {
      recovered = queue.recover();
    } catch (err) {
      log.error({ err: describe(err) }, 'looking for orphaned jobs failed; trying again later');
      return;
    }
    for (const job of recovered.requeued) {
      const jobLog = logOf(job);
      jobLog.info({ attempt: job.attempts }, 'job left running by a stopped worker: queued again');
      if (reporter.requeued) await safely('requeued', jobLog, () => reporter.requeued!(job, jobLog));
    }
    for (const job of recovered.failed) {
      const jobLog = logOf(job);
      jobLog.warn({ err: job.error }, 'job gave up after repeated worker deaths');
      await safely('failed', jobLog, () => reporter.failed(job, new Error(job.error ?? 'worker died'), jobLog));
    }
    if (recovered.requeued.length > 0) wakeUp?.();
  }

  async function runOne(job: Job): Promise<void> {
    const jobLog = logOf(job);
    jobLog.info({ attempt: job.attempts }, 'job started');
    const abort = new AbortController();
    currentAbort = abort;
    current = job;
    const watch = setInterval(() => {
      if (abort.signal.aborted) return;
      let now: Job | null;
      try {
        now = queue.get(job.id);
      } catch {
        return; // a busy database: look again next time
      }
      if (now?.state === 'cancelled') {
        jobLog.info({ reason: now.cancelReason }, 'job cancelled while running: aborting it');
        abort.abort(new Error(now.cancelReason ?? 'cancelled'));
      } else if (now?.state !== 'running' || now.worker !== id) {
        jobLog.warn({ state: now?.state }, 'job taken back from this worker: stopping it without reporting');
        abort.abort(new LostClaimError());
      }
    }, cancelCheckMs);
    const beat = setInterval(() => {
      try {
        queue.heartbeat(job.id, id);
      } catch (err) {
        jobLog.warn({ err: describe(err) }, 'heartbeat not recorded');
      }
    }, heartbeatMs);
    const budget = options.budgetOf?.(job) ?? null;
    const budgetTimer = budget ? setTimeout(() => abort.abort(new BudgetExceededError(budget)), budget.ms) : null;
    let graceTimer: NodeJS.Timeout | undefined;
    try {
      await safely('started', jobLog, () => reporter.started(job, jobLog));
      if (budget) jobLog.info({ budgetMs: budget.ms, why: budget.why }, 'job budget');
      const settled = (async () => {
        try {
          const result = await runner(job, {
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
          return { result } as { result: JobResult; error?: undefined };
        } catch (error) {
          return { error } as { result?: undefined; error: unknown };
        }
      })();
      // Told to stop, the job gets a few seconds to wind down; then the worker lets go of it, so a job stuck
      // where no signal reaches (a read that never returns) cannot hold the worker.
      const abandoned = new Promise<typeof ABANDONED>((resolve) => {
        const arm = () => (graceTimer = setTimeout(() => resolve(ABANDONED), abortGraceMs));
        if (abort.signal.aborted) arm();
        else abort.signal.addEventListener('abort', arm, { once: true });
      });
      const outcome = await Promise.race([settled, abandoned]);
      if (outcome === ABANDONED) {
        jobLog.warn({ graceMs: abortGraceMs, reason: describe(abort.signal.reason) }, 'the job did not stop in time after it was told to; moving on, its cleanup continues in the background');
        void settled.then(({ error }) => jobLog.info({ err: error === undefined ? undefined : describe(error) }, 'the abandoned job has wound down'));
      }
      const reason: unknown = abort.signal.reason;
      if (reason instanceof ShutdownError) {
        queue.release(job.id, id);
        jobLog.info('job interrupted by shutdown: back in the queue (the attempt does not count)');
        return;
      }
      if (reason instanceof LostClaimError) return;
      const latest = queue.get(job.id);
      if (latest?.state === 'cancelled') {
        const why = latest.cancelReason ?? 'cancelled';
        await safely('cancelled', jobLog, () => reporter.cancelled(latest, why, jobLog));
        jobLog.info({ reason: why }, 'job cancelled');
        return;
      }
      const result = outcome === ABANDONED ? undefined : outcome.result;
      const error = reason instanceof BudgetExceededError ? reason : outcome === ABANDONED ? reason : outcome.error;
      // Report before marking the job finished: if we die in between, the rerun reports again to the same
      // check run and the same sticky comment, so the user still sees one result.
      if (result !== undefined) {
        await safely('completed', jobLog, () => reporter.completed(latest ?? job, result, jobLog));
        queue.complete(job.id, id);
        jobLog.info({ verdict: result.verdict }, 'job completed');
      } else {
        await safely('failed', jobLog, () => reporter.failed(latest ?? job, error, jobLog));
        queue.fail(job.id, describe(error), id);
        jobLog.warn({ err: describe(error) }, 'job failed');
      }
    } finally {
      clearInterval(watch);
      clearInterval(beat);
      if (budgetTimer) clearTimeout(budgetTimer);
      clearTimeout(graceTimer);
      current = null;
      currentAbort = null;
    }
  }

  async function run(): Promise<void> {
    while (!stopping) {
      let job: Job | null = null;
      try {
        job = queue.claim(id, options.lane);
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
      await recoverNow();
      recoverTimer = setInterval(() => void recoverNow(), recoverEveryMs);
      recoverTimer.unref();
      loop = run();
    },
    wake() {
      wakeUp?.();
    },
    async stop(deadlineMs = 20_000) {
      stopping = true;
      if (recoverTimer) clearInterval(recoverTimer);
      recoverTimer = null;
      const job = current;
      currentAbort?.abort(new ShutdownError());
      wakeUp?.();
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        loop?.then(() => false) ?? Promise.resolve(false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), deadlineMs))),
      ]);
      clearTimeout(timer);
      if (late && job) {
        // The job did not wind down in time: put it back anyway, so the next start reruns it.
        queue.release(job.id, id);
        log.warn({ jobId: job.id, deadlineMs }, 'the job did not stop before the shutdown deadline: released to the queue as it is');
      }
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
