// The embedded result store: one SQLite file (default ~/.bumpbench/bumpbench.db). Every finished job's
// result JSON and its raw samples are kept, and noise calibrations live here too. Since migration 2 it also
// records each engine run as it happens (`runs`, `run_progress`): the dashboard shows a running job's
// progress from there, whichever process runs it.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { JobResult, MetricName, ProgressEvent, RunSample } from '../model.ts';

/** Schema migrations, applied in order; PRAGMA user_version records how many ran. */
const MIGRATIONS = [
  `CREATE TABLE results (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,
     repo TEXT NOT NULL,
     base_sha TEXT NOT NULL,
     head_sha TEXT NOT NULL,
     verdict TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT NOT NULL,
     result_json TEXT NOT NULL
   );
   CREATE INDEX results_by_commits ON results (repo, base_sha, head_sha);
   CREATE TABLE samples (
     result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
     side TEXT NOT NULL,
     pair INTEGER NOT NULL,
     scenario TEXT NOT NULL,
     sample_json TEXT NOT NULL
   );
   CREATE INDEX samples_by_result ON samples (result_id);
   CREATE TABLE calibrations (
     repo TEXT NOT NULL,
     scenario TEXT NOT NULL,
     metric TEXT NOT NULL,
     cv REAL NOT NULL,
     runs INTEGER NOT NULL,
     host TEXT NOT NULL,
     measured_at TEXT NOT NULL,
     PRIMARY KEY (repo, scenario, metric, host)
   );`,
  // 2: engine runs as they happen. A run is opened when a job starts, its progress events are appended as
  // they come, and it is closed with the stored result (or the error). host + pid tell a live run from one
  // whose process died.
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,
     repo TEXT NOT NULL,
     pr INTEGER,
     base_ref TEXT NOT NULL,
     head_ref TEXT NOT NULL,
     state TEXT NOT NULL,
     error TEXT,
     result_id INTEGER REFERENCES results(id) ON DELETE SET NULL,
     host TEXT NOT NULL,
     pid INTEGER NOT NULL,
     started_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     finished_at TEXT
   );
   CREATE INDEX runs_by_state ON runs (state, id);
   CREATE INDEX runs_by_result ON runs (result_id);
   CREATE TABLE run_progress (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     at TEXT NOT NULL,
     event_json TEXT NOT NULL
   );
   CREATE INDEX run_progress_by_run ON run_progress (run_id, seq);`,
];

export function defaultDataDir(): string {
  return process.env.BUMPBENCH_DATA_DIR || path.join(os.homedir(), '.bumpbench');
}

export interface StoredResultRow {
  id: number;
  kind: string;
  repo: string;
  baseSha: string;
  headSha: string;
  verdict: string;
  finishedAt: string;
}

export type RunState = 'running' | 'done' | 'failed' | 'cancelled';

/** What a run is about, known when it starts (the SHAs come with the result). */
export interface RunStart {
  kind: JobResult['kind'];
  repo: string;
  pr?: number | null;
  baseRef: string;
  headRef: string;
}

export interface RunRow {
  id: number;
  kind: JobResult['kind'];
  repo: string;
  pr: number | null;
  baseRef: string;
  headRef: string;
  state: RunState;
  error: string | null;
  resultId: number | null;
  host: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface ProgressRow {
  seq: number;
  at: string;
  event: ProgressEvent;
}

/** A stored result with what the dashboard lists it by: its run's PR, when it came from a run. */
export interface ResultEntry {
  id: number;
  pr: number | null;
  result: JobResult;
}

const RUN_COLUMNS = `id, kind, repo, pr, base_ref AS baseRef, head_ref AS headRef, state, error, result_id AS resultId,
  host, pid, started_at AS startedAt, updated_at AS updatedAt, finished_at AS finishedAt`;

export class ResultsStore {
  readonly db: Database.Database;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    for (let i = current; i < MIGRATIONS.length; i++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[i]);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  /**
   * Stores a result (samples separately, so the JSON stays small); returns its id. With `runId` the run
   * that produced it points at it (the dashboard's link from a running job to its result).
   */
  saveResult(result: JobResult, meta: { runId?: number } = {}): number {
    const { samples = [], ...rest } = result;
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO results (kind, repo, base_sha, head_sha, verdict, started_at, finished_at, result_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(rest.kind, rest.repo, rest.base.sha, rest.head.sha, rest.verdict, rest.startedAt, rest.finishedAt, JSON.stringify(rest));
      const id = Number(info.lastInsertRowid);
      const insert = this.db.prepare(`INSERT INTO samples (result_id, side, pair, scenario, sample_json) VALUES (?, ?, ?, ?, ?)`);
      for (const s of samples) insert.run(id, s.side, s.pair, s.scenario, JSON.stringify(s));
      if (meta.runId !== undefined) {
        this.db.prepare(`UPDATE runs SET result_id = ?, updated_at = ? WHERE id = ?`).run(id, new Date().toISOString(), meta.runId);
      }
      return id;
    })();
  }

  getResult(id: number): JobResult | null {
    const row = this.db.prepare(`SELECT result_json FROM results WHERE id = ?`).get(id) as { result_json: string } | undefined;
    if (!row) return null;
    const result = JSON.parse(row.result_json) as JobResult;
    result.samples = (this.db.prepare(`SELECT sample_json FROM samples WHERE result_id = ? ORDER BY rowid`).all(id) as { sample_json: string }[]).map(
      (r) => JSON.parse(r.sample_json) as RunSample,
    );
    return result;
  }

  listResults(limit = 20): StoredResultRow[] {
    return this.db
      .prepare(
        `SELECT id, kind, repo, base_sha AS baseSha, head_sha AS headSha, verdict, finished_at AS finishedAt
         FROM results ORDER BY id DESC LIMIT ?`,
      )
      .all(limit) as StoredResultRow[];
  }

  /** Every result's row (no JSON), oldest first. */
  listResultRows(): (StoredResultRow & { pr: number | null })[] {
    return this.db
      .prepare(
        `SELECT id, kind, repo, base_sha AS baseSha, head_sha AS headSha, verdict, finished_at AS finishedAt,
           (SELECT pr FROM runs WHERE runs.result_id = results.id LIMIT 1) AS pr
         FROM results ORDER BY finished_at, id`,
      )
      .all() as (StoredResultRow & { pr: number | null })[];
  }

  /** The result JSON without its samples (cheaper than getResult). */
  getResultJson(id: number): JobResult | null {
    const row = this.db.prepare(`SELECT result_json FROM results WHERE id = ?`).get(id) as { result_json: string } | undefined;
    return row ? (JSON.parse(row.result_json) as JobResult) : null;
  }

  /** Results with their run's PR, oldest first; `repos` limits them to these `repo` values. */
  listResultEntries(repos?: readonly string[]): ResultEntry[] {
    const where = repos ? `WHERE r.repo IN (${repos.map(() => '?').join(', ') || 'NULL'})` : '';
    const rows = this.db
      .prepare(
        `SELECT r.id, r.result_json, (SELECT pr FROM runs WHERE runs.result_id = r.id LIMIT 1) AS pr
         FROM results r ${where} ORDER BY r.finished_at, r.id`,
      )
      .all(...(repos ?? [])) as { id: number; result_json: string; pr: number | null }[];
    return rows.map((row) => ({ id: row.id, pr: row.pr, result: JSON.parse(row.result_json) as JobResult }));
  }

  /** The distinct `repo` values of results and runs. */
  listRepos(): string[] {
    const rows = this.db.prepare(`SELECT repo FROM results UNION SELECT repo FROM runs`).all() as { repo: string }[];
    return rows.map((r) => r.repo);
  }

  /** PR of the run that produced a result (null when unknown). */
  prOfResult(resultId: number): number | null {
    const row = this.db.prepare(`SELECT pr FROM runs WHERE result_id = ? LIMIT 1`).get(resultId) as { pr: number | null } | undefined;
    return row?.pr ?? null;
  }

  /** Opens a run: the engine calls this when a job starts. */
  startRun(run: RunStart): number {
    const at = new Date().toISOString();
    const info = this.db
      .prepare(
        `INSERT INTO runs (kind, repo, pr, base_ref, head_ref, state, host, pid, started_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
      )
      .run(run.kind, run.repo, run.pr ?? null, run.baseRef, run.headRef, os.hostname(), process.pid, at, at);
    return Number(info.lastInsertRowid);
  }

  addProgress(runId: number, event: ProgressEvent): void {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO run_progress (run_id, at, event_json) VALUES (?, ?, ?)`).run(runId, at, JSON.stringify(event));
      this.db.prepare(`UPDATE runs SET updated_at = ? WHERE id = ?`).run(at, runId);
    })();
  }

  finishRun(runId: number, state: Exclude<RunState, 'running'>, error?: string): void {
    const at = new Date().toISOString();
    this.db
      .prepare(`UPDATE runs SET state = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ? AND state = 'running'`)
      .run(state, error ?? null, at, at, runId);
  }

  getRun(id: number): RunRow | null {
    return (this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`).get(id) as RunRow | undefined) ?? null;
  }

  /** Runs still marked running, newest first (some may belong to a process that died: see `host`/`pid`). */
  listActiveRuns(): RunRow[] {
    return this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE state = 'running' ORDER BY id DESC`).all() as RunRow[];
  }

  /** Progress events of a run after `afterSeq`, oldest first. */
  getProgress(runId: number, afterSeq = 0, limit = 1000): ProgressRow[] {
    const rows = this.db
      .prepare(`SELECT seq, at, event_json FROM run_progress WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?`)
      .all(runId, afterSeq, limit) as { seq: number; at: string; event_json: string }[];
    return rows.map((r) => ({ seq: r.seq, at: r.at, event: JSON.parse(r.event_json) as ProgressEvent }));
  }

  /** The newest progress event of a run. */
  lastProgress(runId: number): ProgressRow | null {
    const r = this.db.prepare(`SELECT seq, at, event_json FROM run_progress WHERE run_id = ? ORDER BY seq DESC LIMIT 1`).get(runId) as
      | { seq: number; at: string; event_json: string }
      | undefined;
    return r ? { seq: r.seq, at: r.at, event: JSON.parse(r.event_json) as ProgressEvent } : null;
  }

  /** The newest result of these commits in one of these `repo` values, or a run of them (running or not). */
  findJob(repos: readonly string[], kind: string, baseSha: string, headSha: string): { resultId: number } | null {
    if (repos.length === 0) return null;
    const row = this.db
      .prepare(
        `SELECT id FROM results WHERE repo IN (${repos.map(() => '?').join(', ')}) AND kind = ? AND base_sha = ? AND head_sha = ?
         ORDER BY id DESC LIMIT 1`,
      )
      .get(...repos, kind, baseSha, headSha) as { id: number } | undefined;
    return row ? { resultId: row.id } : null;
  }

  /** Every calibration of these `repo` values, newest first (any host). */
  listCalibrations(repos: readonly string[]): { repo: string; scenario: string; metric: string; cv: number; runs: number; host: string; measuredAt: string }[] {
    if (repos.length === 0) return [];
    return this.db
      .prepare(
        `SELECT repo, scenario, metric, cv, runs, host, measured_at AS measuredAt FROM calibrations
         WHERE repo IN (${repos.map(() => '?').join(', ')}) ORDER BY measured_at DESC`,
      )
      .all(...repos) as { repo: string; scenario: string; metric: string; cv: number; runs: number; host: string; measuredAt: string }[];
  }

  saveCalibration(repo: string, scenario: string, metric: MetricName, cv: number, runs: number): void {
    this.db
      .prepare(
        `INSERT INTO calibrations (repo, scenario, metric, cv, runs, host, measured_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (repo, scenario, metric, host) DO UPDATE SET cv = excluded.cv, runs = excluded.runs, measured_at = excluded.measured_at`,
      )
      .run(repo, scenario, metric, cv, runs, os.hostname(), new Date().toISOString());
  }

  /** Calibrated run-to-run CV per scenario and metric for this repo on this host. */
  getCalibration(repo: string): Map<string, { cv: number; runs: number }> {
    const rows = this.db
      .prepare(`SELECT scenario, metric, cv, runs FROM calibrations WHERE repo = ? AND host = ?`)
      .all(repo, os.hostname()) as { scenario: string; metric: string; cv: number; runs: number }[];
    return new Map(rows.map((r) => [`${r.scenario}/${r.metric}`, { cv: r.cv, runs: r.runs }]));
  }

  close(): void {
    this.db.close();
  }
}
