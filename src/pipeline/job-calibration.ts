// Step: the noise calibration that applies to a job — the one `bumpbench calibrate` stored for this
// repository (by identity: its normalised remote URL) on this runner (by its persistent id). Shared by
// calibrate (which writes it), compare and bisect (which read it).
import path from 'node:path';
import type { JobCalibration } from '../model.ts';
import { ResultsStore } from '../store/results-store.ts';
import { runnerId } from '../store/runner-id.ts';
import { repoIdentity } from '../workspace/repo-identity.ts';

export interface CalibrationKey {
  repoId: string;
  runner: string;
}

export async function calibrationKey(repo: string, dataDir: string): Promise<CalibrationKey> {
  return { repoId: await repoIdentity(repo), runner: runnerId(dataDir) };
}

export interface LoadedCalibration {
  key: CalibrationKey;
  /** Per `${scenario}/${metric}`; empty when nothing is stored. */
  byMetric: Map<string, { cv: number; runs: number }>;
  /** What the result says about it. */
  summary: JobCalibration;
}

export async function loadCalibration(repo: string, options: { dataDir: string; dbFile?: string }): Promise<LoadedCalibration> {
  const key = await calibrationKey(repo, options.dataDir);
  const store = new ResultsStore(options.dbFile ?? path.join(options.dataDir, 'bumpbench.db'));
  try {
    const stored = store.getCalibration(key);
    return {
      key,
      byMetric: stored.byMetric,
      summary: { repo: key.repoId, runner: key.runner, measuredAt: stored.measuredAt, metrics: stored.byMetric.size },
    };
  } finally {
    store.close();
  }
}
