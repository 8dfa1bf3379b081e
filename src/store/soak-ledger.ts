// A soak's ledger: every memory sample as it is taken, and a checkpoint of the soak's server lives (when
// each began, how the load went). A soak interrupted by a restart, or moved to another fleet runner, reads
// its ledger and resumes instead of starting over (src/pipeline/soak-resume.ts). Here the SQLite one, in the
// result store's file; a fleet runner uses one on Redis (src/jobs/fleet-soak-ledger.ts).
//
// The tables are made with IF NOT EXISTS rather than as a numbered migration of results-store.ts: the
// ledger is scratch space keyed by the soak, not results, and needs no schema history.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface LedgerSample {
  side: 'base' | 'head';
  /** Which server life took it (0 for the first, 1 after the first resumption, …). */
  segment: number;
  /** Seconds on the soak's clock (which stops while nothing runs). */
  tSec: number;
  bytes: number;
  /** Wall-clock ms when it was taken: the gap before a resumption is measured from the last one. */
  at: number;
}

export interface SoakLife {
  segment: number;
  /** The soak's clock when this life began, seconds. */
  startSec: number;
  /** Wall-clock ms. */
  startedAt: number;
  /** The gap before it (0 for the first life), seconds. */
  gapSec: number;
  /** Load so far in this life, per side. */
  requests: { base: number; head: number };
  failedRequests: { base: number; head: number };
  /** Seconds of load the requests came from. */
  loadSec: { base: number; head: number };
}

export interface SoakCheckpoint {
  /** What the soak is (commits, length, rate, windows, scenarios): a ledger of another soak is never resumed. */
  identity: string;
  lives: SoakLife[];
}

export interface SoakLedger {
  read(): Promise<{ checkpoint: SoakCheckpoint; samples: LedgerSample[] } | null>;
  save(checkpoint: SoakCheckpoint): Promise<void>;
  /** Stores one sample now (or as good as: a remote ledger sends it at once, without waiting). */
  add(sample: LedgerSample): void;
  /** Waits until every sample added has been stored. */
  flush(): Promise<void>;
  /** Forgets the soak (another soak under the same key, or a ledger that does not verify). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** Ledgers untouched this long are removed when a ledger is opened: a soak cancelled for good leaves none forever. */
const KEEP_MS = 30 * 24 * 3_600_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS soak_ledgers (
  soak_key TEXT PRIMARY KEY,
  checkpoint_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS soak_samples (
  soak_key TEXT NOT NULL,
  side TEXT NOT NULL,
  segment INTEGER NOT NULL,
  t_sec REAL NOT NULL,
  bytes INTEGER NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS soak_samples_by_key ON soak_samples (soak_key, segment, t_sec);
`;

export class SqliteSoakLedger implements SoakLedger {
  private readonly db: Database.Database;

  constructor(file: string, private readonly key: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const old = Date.now() - KEEP_MS;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM soak_samples WHERE soak_key IN (SELECT soak_key FROM soak_ledgers WHERE updated_at < ?)').run(old);
      this.db.prepare('DELETE FROM soak_ledgers WHERE updated_at < ?').run(old);
    })();
  }

  async read(): Promise<{ checkpoint: SoakCheckpoint; samples: LedgerSample[] } | null> {
    const row = this.db.prepare('SELECT checkpoint_json FROM soak_ledgers WHERE soak_key = ?').get(this.key) as { checkpoint_json: string } | undefined;
    if (!row) return null;
    const samples = this.db
      .prepare('SELECT side, segment, t_sec AS tSec, bytes, at FROM soak_samples WHERE soak_key = ? ORDER BY segment, t_sec')
      .all(this.key) as LedgerSample[];
    return { checkpoint: JSON.parse(row.checkpoint_json) as SoakCheckpoint, samples };
  }

  async save(checkpoint: SoakCheckpoint): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO soak_ledgers (soak_key, checkpoint_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (soak_key) DO UPDATE SET checkpoint_json = excluded.checkpoint_json, updated_at = excluded.updated_at`,
      )
      .run(this.key, JSON.stringify(checkpoint), Date.now());
  }

  add(sample: LedgerSample): void {
    // Synchronous: the sample is on disk before the next one is taken.
    this.db
      .prepare('INSERT INTO soak_samples (soak_key, side, segment, t_sec, bytes, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(this.key, sample.side, sample.segment, sample.tSec, sample.bytes, sample.at);
  }

  async flush(): Promise<void> {}

  async clear(): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM soak_samples WHERE soak_key = ?').run(this.key);
      this.db.prepare('DELETE FROM soak_ledgers WHERE soak_key = ?').run(this.key);
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
