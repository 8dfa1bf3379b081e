// When each head commit of a pull request became its head, as far as GitHub has told us: the earliest
// server time at which the App knew it was the head (the `updated_at` of a pull_request event carrying it,
// or the `Date` of an API answer naming it). An upper bound on when it was pushed, on GitHub's clock.
//
// Two uses. A slash command is bound to the head its author saw: the head now may run only when it was
// already the head when the comment was written (so a fork cannot push after a maintainer's
// `/bumpbench bench` and have its new commit run under that approval). And an event that arrives after a
// newer one (deliveries are not ordered) is recognised as stale instead of cancelling the newer job.
import Database from 'better-sqlite3';

export type HeadFreshness = 'current' | 'stale' | 'unsure';

/** Heads not seen for this long are forgotten (a PR that quiet is closed, or will be seen again). */
const KEEP_MS = 90 * 24 * 3_600_000;

export class PrHeads {
  private readonly db: Database.Database;
  private writes = 0;

  /** `file`: the queue's SQLite file, or ':memory:'. */
  constructor(file: string) {
    this.db = new Database(file);
    if (file !== ':memory:') {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
    }
    // since: the earliest time it is known to have been the head; seen: the latest (a head can come back,
    // after a force-push to an older commit).
    this.db.exec(`CREATE TABLE IF NOT EXISTS pr_heads (
      repo TEXT NOT NULL, pr INTEGER NOT NULL, sha TEXT NOT NULL, since INTEGER NOT NULL, seen INTEGER NOT NULL,
      PRIMARY KEY (repo, pr, sha)
    )`);
  }

  /** `sha` was the head of the PR at `at` (ms on GitHub's clock) at the latest. */
  saw(repo: string, pr: number, sha: string, at: number): void {
    if (!Number.isFinite(at)) return;
    if (++this.writes % 1000 === 0) this.db.prepare('DELETE FROM pr_heads WHERE seen < ?').run(Date.now() - KEEP_MS);
    this.db
      .prepare(
        `INSERT INTO pr_heads (repo, pr, sha, since, seen) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (repo, pr, sha) DO UPDATE SET since = MIN(since, excluded.since), seen = MAX(seen, excluded.seen)`,
      )
      .run(repo, pr, sha, at, at);
  }

  /** The earliest time `sha` is known to have been the head, or null when it never was as far as we know. */
  since(repo: string, pr: number, sha: string): number | null {
    const row = this.db.prepare('SELECT since FROM pr_heads WHERE repo = ? AND pr = ? AND sha = ?').get(repo, pr, sha) as { since: number } | undefined;
    return row?.since ?? null;
  }

  /**
   * Whether the head an event carried (at `eventAt`, its pull request's `updated_at`) is still the PR's
   * head: stale when another head is known from a later moment, unsure when from the same second
   * (`updated_at` has one-second resolution: ask the API), current otherwise.
   */
  freshness(repo: string, pr: number, sha: string, eventAt: number): HeadFreshness {
    const other = this.db
      .prepare('SELECT MAX(seen) AS latest FROM pr_heads WHERE repo = ? AND pr = ? AND sha <> ?')
      .get(repo, pr, sha) as { latest: number | null };
    if (other.latest === null || other.latest < eventAt) return 'current';
    return other.latest > eventAt ? 'stale' : 'unsure';
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
