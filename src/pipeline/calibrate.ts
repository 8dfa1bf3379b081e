// Noise calibration: A/A pairs of one commit on this machine give each scenario and metric's run-to-run
// variation (CV). Compares then never use a threshold below what that noise allows, and reports state the
// smallest change this runner can see.
import path from 'node:path';
import type { MetricName, RunSample } from '../model.ts';
import { completePairs } from '../bench/analysis.ts';
import { METRICS } from '../bench/metrics.ts';
import type { Thresholds } from '../config/schema.ts';
import { coefficientOfVariation, detectableChange, PAIRED_MIN_PAIRS } from '../stats/index.ts';
import { ResultsStore } from '../store/results-store.ts';
import { openRepo, resolveRef } from '../workspace/git.ts';
import { runCompare, type RunJobOptions } from './compare.ts';
import { calibrationKey, type CalibrationKey } from './job-calibration.ts';
import { loadJobConfig } from './job-config.ts';

export interface CalibrationRow {
  scenario: string;
  metric: MetricName;
  cv: number;
  runs: number;
  /** Smallest change a compare with `repeats.min` pairs calls a regression 4 times in 5 at this CV. */
  minDetectable: number;
}

export function calibrationFromSamples(samples: RunSample[], pairsForCompare: number, thresholds: Thresholds, gatedMetrics: readonly MetricName[]): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  const scenarios = [...new Set(samples.map((s) => s.scenario))];
  // Holm's first step over every gated test of a compare of this repo.
  const gatedFamily = Math.max(1, scenarios.length * gatedMetrics.length);
  for (const scenario of scenarios) {
    const ok = samples.filter((s) => s.scenario === scenario && s.ok);
    for (const metric of METRICS) {
      // Both sides run the same commit, so every run is one draw of the same noise.
      const values = ok.map(metric.read).filter((v) => Number.isFinite(v) && v > 0);
      if (values.length < 4) continue;
      // The noise a compare is judged against: within pairs once there are enough of them (a compare reads
      // its pairs as pairs from PAIRED_MIN_PAIRS on, and drift over the calibration is no part of that
      // noise), else run to run.
      const pairs = completePairs(ok.filter((s) => s.side === 'base'), ok.filter((s) => s.side === 'head'), metric);
      const ratios = pairs.head.map((v, i) => v / pairs.base[i]);
      const cv = ratios.length >= PAIRED_MIN_PAIRS ? coefficientOfVariation(ratios) / Math.SQRT2 : coefficientOfVariation(values);
      // The spread of a log-ratio per pair is about √2 · CV (two runs, one a side).
      const minDetectable = detectableChange(cv * Math.SQRT2, pairsForCompare, thresholds[metric.name], metric.direction, gatedFamily);
      rows.push({ scenario, metric: metric.name, cv, runs: values.length, minDetectable });
    }
  }
  return rows;
}

export async function runCalibrate(
  opts: { repo: string; ref: string; pairs?: number; configFile?: string },
  options: RunJobOptions,
): Promise<{ rows: CalibrationRow[]; key: CalibrationKey }> {
  const repoDir = await openRepo(opts.repo, path.join(options.dataDir, 'cache'));
  const sha = await resolveRef(repoDir, opts.ref);
  const request = { kind: 'compare' as const, repo: opts.repo, base: { ref: opts.ref, sha }, head: { ref: opts.ref, sha }, options: { configFile: opts.configFile } };
  const { config } = await loadJobConfig(repoDir, sha, request, options.config);
  const pairs = opts.pairs ?? Math.max(10, config.repeats.min);
  const result = await runCompare(request, { ...options, config: { ...config, repeats: { min: pairs, max: pairs } }, keepSamples: true });
  const rows = calibrationFromSamples(result.samples ?? [], config.repeats.min, config.thresholds, config.gatedMetrics);
  // Keyed by who the repository is and which runner measured it, so an App job on the same repository
  // (reached by its clone URL) on this runner finds it, and a restarted container keeps it.
  const key = await calibrationKey(opts.repo, options.dataDir);
  const store = new ResultsStore(options.dbFile ?? path.join(options.dataDir, 'bumpbench.db'));
  try {
    for (const row of rows) store.saveCalibration(key, row.scenario, row.metric, row.cv, row.runs);
  } finally {
    store.close();
  }
  return { rows, key };
}
