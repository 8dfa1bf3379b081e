// The embedded result store: one SQLite file (default ~/.bumpbench/bumpbench.db). Every finished job's
// result JSON and its raw samples are kept, and noise calibrations live here too.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { JobResult, MetricName, RunSample } from '../model.ts';

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
  // 2: calibrations keyed by the repository's identity (its normalised remote URL, not a local path) and
  // a runner id that survives container restarts (not the hostname). Rows of the old key cannot be
  // mapped to the new one and are kept aside; `bumpbench calibrate` once more replaces them.
  `ALTER TABLE calibrations RENAME TO calibrations_by_host;
   CREATE TABLE calibrations (
     repo_id TEXT NOT NULL,
     runner TEXT NOT NULL,
     scenario TEXT NOT NULL,
     metric TEXT NOT NULL,
     cv REAL NOT NULL,
     runs INTEGER NOT NULL,
     measured_at TEXT NOT NULL,
     PRIMARY KEY (repo_id, runner, scenario, metric)
   );`,
];

/** The calibration of one repository on one runner, as compares read it. */
export interface StoredCalibration {
  /** Per `${scenario}/${metric}`. */
  byMetric: Map<string, { cv: number; runs: number }>;
  /** When the newest row was measured (ISO), null when nothing is stored. */
  measuredAt: string | null;
}

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

  /** Stores a result (samples separately, so the JSON stays small); returns its id. */
  saveResult(result: JobResult): number {
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

  /** Stores (or replaces) the calibrated CV of one scenario and metric of a repository on a runner. */
  saveCalibration(key: { repoId: string; runner: string }, scenario: string, metric: MetricName, cv: number, runs: number): void {
    this.db
      .prepare(
        `INSERT INTO calibrations (repo_id, runner, scenario, metric, cv, runs, measured_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (repo_id, runner, scenario, metric) DO UPDATE SET cv = excluded.cv, runs = excluded.runs, measured_at = excluded.measured_at`,
      )
      .run(key.repoId, key.runner, scenario, metric, cv, runs, new Date().toISOString());
  }

  /** Calibrated run-to-run CV per scenario and metric of a repository on a runner. */
  getCalibration(key: { repoId: string; runner: string }): StoredCalibration {
    const rows = this.db
      .prepare(`SELECT scenario, metric, cv, runs, measured_at AS measuredAt FROM calibrations WHERE repo_id = ? AND runner = ?`)
      .all(key.repoId, key.runner) as { scenario: string; metric: string; cv: number; runs: number; measuredAt: string }[];
    const measuredAt = rows.reduce<string | null>((latest, r) => (latest === null || r.measuredAt > latest ? r.measuredAt : latest), null);
    return { byMetric: new Map(rows.map((r) => [`${r.scenario}/${r.metric}`, { cv: r.cv, runs: r.runs }])), measuredAt };
  }

  close(): void {
    this.db.close();
  }
}
