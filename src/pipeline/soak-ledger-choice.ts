// Which ledger a soak keeps its samples in: the one the caller gives (a fleet runner's, on Redis), or the
// SQLite one beside the results. Keyed by the caller's soak key (the App's job, so its rerun after a
// restart finds it), or by the run when there is none (the CLI: stored as taken, never resumed).
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { SqliteSoakLedger, type SoakLedger } from '../store/soak-ledger.ts';
import type { RunJobOptions } from './compare.ts';

export function openSoakLedger(options: RunJobOptions): SoakLedger {
  const key = options.soakKey ?? `run-${options.runId ?? randomUUID()}`;
  if (options.soakLedger) return options.soakLedger(key);
  return new SqliteSoakLedger(options.dbFile ?? path.join(options.dataDir, 'bumpbench.db'), key);
}
