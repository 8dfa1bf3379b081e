// The durable job queue's interface. Kept small on purpose: the SQLite implementation is the default, a BullMQ
// one (Redis, for a runner fleet) only has to provide these few operations.
import { z } from 'zod';

export type JobKind = 'compare' | 'bisect' | 'soak';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export const ACTIVE_STATES: readonly JobState[] = ['queued', 'running'];

/**
 * What a job carries. `github` is set for jobs the App enqueued; the worker turns it into a JobRequest at run
 * time (the installation token is fetched then, never stored). The config is kept as the base branch's YAML
 * text, not as the validated object: validating is not idempotent (a duration "10s" becomes 10000 ms, which
 * would read as 10000 seconds the second time).
 */
export const jobPayloadSchema = z.object({
  kind: z.enum(['compare', 'bisect', 'soak']),
  options: z
    .object({
      package: z.string().optional(),
      soakSeconds: z.number().positive().optional(),
      /** `/bumpbench more`: extend the newest stored compare of these commits, by so many pairs. */
      resume: z.literal('latest').optional(),
      pairs: z.number().int().positive().optional(),
    })
    .default({}),
  github: z
    .object({
      installationId: z.number().int(),
      owner: z.string(),
      repo: z.string(),
      pr: z.number().int(),
      base: z.object({ ref: z.string(), sha: z.string() }),
      head: z.object({ ref: z.string(), sha: z.string() }),
      /** The base repository's clone URL (PR heads, forks included, are fetched from it as refs/pull/N/head). */
      cloneUrl: z.string(),
      htmlUrl: z.string().optional(),
      configText: z.string(),
      /** The PR's title and body when it was queued: hints of what the bump meant to change. */
      title: z.string().optional(),
      body: z.string().optional(),
      trigger: z.string(),
      requestedBy: z.string(),
    })
    .optional(),
});
export type JobPayload = z.output<typeof jobPayloadSchema>;

export interface Job {
  id: number;
  /** repo + PR + SHA + kind: two triggers with the same key while one is active collapse into one job. */
  key: string;
  repo: string;
  pr: number | null;
  sha: string;
  kind: JobKind;
  state: JobState;
  payload: JobPayload;
  /** The check run this job reports to: a rerun after a crash updates the same one. */
  checkRunId: number | null;
  /** How many times a worker claimed it (a crash mid-run leaves it claimed once more than finished). */
  attempts: number;
  /** The worker that holds it while running (src/jobs/worker-identity.ts). */
  worker?: string | null;
  error: string | null;
  cancelReason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface EnqueueInput {
  /** owner/name for GitHub jobs, or the local path / clone URL. */
  repo: string;
  pr: number | null;
  sha: string;
  payload: JobPayload;
  checkRunId?: number | null;
}

export interface CancelWhere {
  repo: string;
  pr: number;
  /** Keep jobs for this SHA (a new push cancels only the older SHAs). */
  exceptSha?: string;
}

export interface CancelledJob {
  job: Job;
  /** A running job is stopped by its worker, which reports it; a queued one is reported by the canceller. */
  wasRunning: boolean;
}

export interface RecoveryResult {
  /** Jobs a dead worker left running, queued again to be rerun. */
  requeued: Job[];
  /** Jobs that killed their worker too many times: failed, to be reported. */
  failed: Job[];
}

/**
 * Which kinds a worker takes. A soak holds its worker for hours, so soaks get their own lane (workers that
 * take only soaks) and the others never wait behind one.
 */
export interface Lane {
  kinds?: readonly JobKind[];
  excludeKinds?: readonly JobKind[];
}

export interface JobQueue {
  /** Adds a job, or returns the active one with the same key (created: false). */
  enqueue(input: EnqueueInput): { job: Job; created: boolean };
  /** Takes the oldest queued job of the lane for this worker (null when none). Atomic across processes. */
  claim(workerId: string, lane?: Lane): Job | null;
  /**
   * Marks a running job done. Returns false when it was no longer running (e.g. cancelled meanwhile) or,
   * given `workerId`, no longer this worker's (recovered as orphaned and claimed by another): a worker
   * that lost its claim must not report over the one that has it.
   */
  complete(id: number, workerId?: string): boolean;
  fail(id: number, error: string, workerId?: string): boolean;
  cancel(where: CancelWhere, reason: string): CancelledJob[];
  /** Queued and running jobs, oldest first. */
  pending(): Job[];
  get(id: number): Job | null;
  setCheckRunId(id: number, checkRunId: number): void;
  /** A running job goes back to the queue without counting as an attempt (graceful shutdown). */
  release(id: number, workerId?: string): void;
  /** A worker proves it is alive while it runs a job. */
  heartbeat(id: number, workerId?: string): void;
  /** At start and then periodically: rerun what a dead worker left running, fail what keeps killing workers. */
  recover(): RecoveryResult;
  close(): void;
}

export function dedupeKey(input: { repo: string; pr: number | null; sha: string; kind: JobKind }): string {
  return `${input.repo}#${input.pr ?? '-'}@${input.sha}:${input.kind}`;
}
