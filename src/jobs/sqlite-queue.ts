// The default durable queue: one SQLite file under the data dir (WAL, so a webhook process and a worker
// process on the same machine can share it). Survives restarts: a job left `running` by a dead worker is
// queued again by `recover()`, keeping its check run id so the rerun reports to the same check run.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import {
  dedupeKey,
  jobPayloadSchema,
  type CancelledJob,
  type CancelWhere,
  type EnqueueInput,
  type Job,
  type JobKind,
  type JobQueue,
  type JobState,
  type Lane,
  type RecoveryResult,
} from './queue.ts';
import { workerLiveness } from './worker-identity.ts';

export { newWorkerId } from './worker-identity.ts';

export const QUEUE_FILE = 'queue.sqlite';

export interface SqliteQueueOptions {
  /** A job that made its worker die this many times is failed instead of rerun (a crash loop guard). */
  maxAttempts?: number;
  /** A running job whose worker has not sent a heartbeat for this long is considered orphaned. */
  staleAfterMs?: number;
  now?: () => Date;
}

interface Row {
  id: number;
  dedupe_key: string;
  repo: string;
  pr: number | null;
  sha: string;
  kind: string;
  state: string;
  payload: string;
  check_run_id: number | null;
  attempts: number;
  error: string | null;
  cancel_reason: string | null;
  worker: string | null;
  heartbeat_at: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  dedupe_key TEXT NOT NULL,
  repo TEXT NOT NULL,
  pr INTEGER,
  sha TEXT NOT NULL,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  payload TEXT NOT NULL,
  check_run_id INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  cancel_reason TEXT,
  worker TEXT,
  heartbeat_at TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
-- At most one active job per key: duplicate triggers collapse, a finished job can be run again.
CREATE UNIQUE INDEX IF NOT EXISTS jobs_active_key ON jobs (dedupe_key) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, id);
CREATE INDEX IF NOT EXISTS jobs_pr ON jobs (repo, pr, state);
`;

export class SqliteJobQueue implements JobQueue {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly maxAttempts: number;
  private readonly staleAfterMs: number;
  private readonly now: () => Date;

  constructor(path: string, options: SqliteQueueOptions = {}) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // Two processes (serve + worker) may write at once: wait for the lock instead of failing.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.maxAttempts = options.maxAttempts ?? 3;
    this.staleAfterMs = options.staleAfterMs ?? 120_000;
    this.now = options.now ?? (() => new Date());
  }

  static open(dataDir: string, options?: SqliteQueueOptions): SqliteJobQueue {
    return new SqliteJobQueue(join(dataDir, QUEUE_FILE), options);
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  private toJob(row: Row): Job {
    return {
      id: row.id,
      key: row.dedupe_key,
      repo: row.repo,
      pr: row.pr,
      sha: row.sha,
      kind: row.kind as JobKind,
      state: row.state as JobState,
      payload: jobPayloadSchema.parse(JSON.parse(row.payload)),
      checkRunId: row.check_run_id,
      attempts: row.attempts,
      worker: row.worker,
      error: row.error,
      cancelReason: row.cancel_reason,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    };
  }

  private row(id: number): Row | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
  }

  enqueue(input: EnqueueInput): { job: Job; created: boolean } {
    const payload = jobPayloadSchema.parse(input.payload);
    const key = dedupeKey({ repo: input.repo, pr: input.pr, sha: input.sha, kind: payload.kind });
    const tx = this.db.transaction(() => {
      const existing = this.db
        .prepare(`SELECT * FROM jobs WHERE dedupe_key = ? AND state IN ('queued', 'running')`)
        .get(key) as Row | undefined;
      if (existing) return { job: this.toJob(existing), created: false };
      const info = this.db
        .prepare(
          `INSERT INTO jobs (dedupe_key, repo, pr, sha, kind, state, payload, check_run_id, created_at)
           VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
        )
        .run(key, input.repo, input.pr, input.sha, payload.kind, JSON.stringify(payload), input.checkRunId ?? null, this.stamp());
      return { job: this.toJob(this.row(Number(info.lastInsertRowid))!), created: true };
    });
    return tx.immediate();
  }

  claim(workerId: string, lane: Lane = {}): Job | null {
    const kinds = lane.kinds ?? [];
    const excluded = lane.excludeKinds ?? [];
    const where = [
      `state = 'queued'`,
      ...(kinds.length ? [`kind IN (${kinds.map(() => '?').join(', ')})`] : []),
      ...(excluded.length ? [`kind NOT IN (${excluded.map(() => '?').join(', ')})`] : []),
    ].join(' AND ');
    const tx = this.db.transaction(() => {
      const row = this.db.prepare(`SELECT * FROM jobs WHERE ${where} ORDER BY id LIMIT 1`).get(...kinds, ...excluded) as Row | undefined;
      if (!row) return null;
      const at = this.stamp();
      this.db
        .prepare(
          `UPDATE jobs SET state = 'running', worker = ?, attempts = attempts + 1, started_at = ?, heartbeat_at = ?
           WHERE id = ?`,
        )
        .run(workerId, at, at, row.id);
      return this.toJob(this.row(row.id)!);
    });
    // IMMEDIATE takes the write lock before reading, so two workers never claim the same row.
    return tx.immediate();
  }

  private finish(id: number, state: JobState, error: string | null, workerId?: string): boolean {
    const info = this.db
      .prepare(`UPDATE jobs SET state = ?, error = ?, finished_at = ? WHERE id = ? AND state = 'running' AND (? IS NULL OR worker = ?)`)
      .run(state, error, this.stamp(), id, workerId ?? null, workerId ?? null);
    return info.changes === 1;
  }

  complete(id: number, workerId?: string): boolean {
    return this.finish(id, 'done', null, workerId);
  }

  fail(id: number, error: string, workerId?: string): boolean {
    return this.finish(id, 'failed', error, workerId);
  }

  cancel(where: CancelWhere, reason: string): CancelledJob[] {
    const tx = this.db.transaction(() => {
      const rows = this.db
        .prepare(
          `SELECT * FROM jobs WHERE repo = ? AND pr = ? AND state IN ('queued', 'running')
           ${where.exceptSha === undefined ? '' : 'AND sha <> ?'} ORDER BY id`,
        )
        .all(...(where.exceptSha === undefined ? [where.repo, where.pr] : [where.repo, where.pr, where.exceptSha])) as Row[];
      const at = this.stamp();
      const update = this.db.prepare(`UPDATE jobs SET state = 'cancelled', cancel_reason = ?, finished_at = ? WHERE id = ?`);
      return rows.map((row) => {
        update.run(reason, at, row.id);
        return { job: this.toJob(this.row(row.id)!), wasRunning: row.state === 'running' };
      });
    });
    return tx.immediate();
  }

  pending(): Job[] {
    const rows = this.db.prepare(`SELECT * FROM jobs WHERE state IN ('queued', 'running') ORDER BY id`).all() as Row[];
    return rows.map((row) => this.toJob(row));
  }

  get(id: number): Job | null {
    const row = this.row(id);
    return row ? this.toJob(row) : null;
  }

  setCheckRunId(id: number, checkRunId: number): void {
    this.db.prepare('UPDATE jobs SET check_run_id = ? WHERE id = ?').run(checkRunId, id);
  }

  release(id: number, workerId?: string): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'queued', worker = NULL, attempts = MAX(attempts - 1, 0), started_at = NULL
         WHERE id = ? AND state = 'running' AND (? IS NULL OR worker = ?)`,
      )
      .run(id, workerId ?? null, workerId ?? null);
  }

  heartbeat(id: number, workerId?: string): void {
    this.db
      .prepare(`UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND state = 'running' AND (? IS NULL OR worker = ?)`)
      .run(this.stamp(), id, workerId ?? null, workerId ?? null);
  }

  recover(): RecoveryResult {
    const tx = this.db.transaction(() => {
      const rows = this.db.prepare(`SELECT * FROM jobs WHERE state = 'running' ORDER BY id`).all() as Row[];
      const nowMs = this.now().getTime();
      const result: RecoveryResult = { requeued: [], failed: [] };
      for (const row of rows) {
        const lastSign = Date.parse(row.heartbeat_at ?? row.started_at ?? row.created_at);
        const stale = Number.isFinite(lastSign) && nowMs - lastSign > this.staleAfterMs;
        // On this host the claimer's identity (pid + start time + boot) says for sure whether it is gone;
        // elsewhere only its silence does. A live claimer that stopped beating is stuck: rerun the job too
        // (its worker sees it lost the claim and stops without reporting).
        const liveness = workerLiveness(row.worker);
        if (liveness !== 'dead' && !stale) continue;
        if (row.attempts >= this.maxAttempts) {
          this.db
            .prepare(`UPDATE jobs SET state = 'failed', error = ?, finished_at = ? WHERE id = ?`)
            .run(
              `the worker stopped ${row.attempts} times while running this job (crash, out of memory or kill); not retrying`,
              this.stamp(),
              row.id,
            );
          result.failed.push(this.toJob(this.row(row.id)!));
        } else {
          this.db.prepare(`UPDATE jobs SET state = 'queued', worker = NULL WHERE id = ?`).run(row.id);
          result.requeued.push(this.toJob(this.row(row.id)!));
        }
      }
      return result;
    });
    return tx.immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
