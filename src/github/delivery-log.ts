// Webhook deliveries already handled, by their `X-GitHub-Delivery` id. GitHub sends a delivery again when
// it did not see an answer in time, and an operator's "Redeliver" keeps the id; handling one twice would
// post a second reply or queue a job the user cancelled meanwhile. A delivery is claimed when its handling
// starts and forgotten again if the handling fails, so a redelivery of a failed one is handled.
import Database from 'better-sqlite3';

/** Ids are kept this long; GitHub redelivers within hours, and operators within days. */
const KEEP_MS = 14 * 24 * 3_600_000;

export class DeliveryLog {
  private readonly db: Database.Database;
  private claims = 0;

  /** `file`: the queue's SQLite file (shared by serve and worker processes), or ':memory:'. */
  constructor(file: string, private readonly now: () => number = Date.now) {
    this.db = new Database(file);
    if (file !== ':memory:') {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
    }
    this.db.exec('CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, received_at INTEGER NOT NULL)');
  }

  /** True the first time an id is seen (it is now claimed); false for a delivery already handled or in hand. */
  claim(id: string): boolean {
    if (++this.claims % 1000 === 0) this.db.prepare('DELETE FROM deliveries WHERE received_at < ?').run(this.now() - KEEP_MS);
    return this.db.prepare('INSERT OR IGNORE INTO deliveries (id, received_at) VALUES (?, ?)').run(id, this.now()).changes === 1;
  }

  /** The handling failed: a redelivery of this id should be handled. */
  forget(id: string): void {
    this.db.prepare('DELETE FROM deliveries WHERE id = ?').run(id);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
