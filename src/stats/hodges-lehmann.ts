// Hodges-Lehmann two-sample shift estimate with its distribution-free (Moses) confidence interval.
// The estimate is the median of all n1·n2 differences y_j - x_i; the interval runs between two order
// statistics of those differences, picked from the Mann-Whitney null distribution (Hollander & Wolfe,
// "Nonparametric Statistical Methods", ch. 4: the interval is the set of shifts the two-sided
// Mann-Whitney test would not reject).
// Benchmarks compare head/base ratios, so hodgesLehmannRatio works on logs and exponentiates back:
// the result is the typical multiplicative change, symmetric for speed-ups and slow-downs.

import { mannWhitneyCdf } from './mann-whitney.ts';
import { normalCdf, normalQuantile } from './normal.ts';
import { assertFinite, sortedMedian } from './ranks.ts';

/** Largest n1·n2 for which the interval uses exact Mann-Whitney quantiles (the same bound as the test). */
export const HL_EXACT_MAX_CELLS = 400;

/** Tolerance on α/2 when picking exact interval ranks (see mannWhitneyIntervalRank). */
export const INTERVAL_SLACK = 1e-12;

export interface ShiftInterval {
  /** Hodges-Lehmann estimate of the shift y - x. */
  shift: number;
  /** Interval bounds; ±Infinity when the samples are too small for the requested confidence. */
  lo: number;
  hi: number;
  /** Coverage actually achieved (exact quantiles are discrete, so it is at least the requested level). */
  coverage: number;
  method: 'exact' | 'normal';
}

export interface RatioInterval {
  /** exp(shift of logs): the typical head/base ratio. */
  ratio: number;
  /** Interval bounds of the ratio; 0 and Infinity when the samples are too small for the confidence. */
  lo: number;
  hi: number;
  coverage: number;
  method: 'exact' | 'normal';
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

/**
 * The rank k (1-based) of the lower bound among the n1·n2 sorted differences, and the coverage it gives.
 * Exact: the largest k with P(U <= k-1) <= α/2, coverage 1 - 2·P(U <= k-1).
 * Normal (n1·n2 > HL_EXACT_MAX_CELLS): the same condition with P(U <= c) ≈ Φ((c + 0.5 - μ)/σ),
 * μ = n1n2/2, σ² = n1n2(n1+n2+1)/12, so k = ⌊μ + 0.5 - z·σ⌋. Ties are ignored here: at the shifts
 * that bound the interval the shifted samples rarely tie, and the untied variance is the larger one,
 * so ignoring them can only widen the interval.
 * k = 0 means no interval at that level exists.
 */
export function mannWhitneyIntervalRank(
  n1: number,
  n2: number,
  confidence: number,
): { k: number; coverage: number; method: 'exact' | 'normal' } {
  checkConfidence(confidence);
  // Slack: 1 - 0.9 is 0.0999…98 in floating point, which would miss exactly attainable levels.
  const half = (1 - confidence) / 2 + INTERVAL_SLACK;
  const cells = n1 * n2;
  if (cells <= HL_EXACT_MAX_CELLS) {
    let k = 0;
    // cdf is increasing: walk up while P(U <= k) still fits in α/2 (k <= n1n2/2 always).
    while (k < cells && mannWhitneyCdf(k, n1, n2) <= half) k++;
    return { k, coverage: 1 - 2 * mannWhitneyCdf(k - 1, n1, n2), method: 'exact' };
  }
  const mu = cells / 2;
  const sigma = Math.sqrt((cells * (n1 + n2 + 1)) / 12);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const k = Math.max(0, Math.floor(mu + 0.5 - z * sigma));
  const coverage = k === 0 ? 1 : 1 - 2 * normalCdf((k - 0.5 - mu) / sigma);
  return { k, coverage, method: 'normal' };
}

/**
 * Hodges-Lehmann estimate of the shift y - x (median of all pairwise differences y_j - x_i) with the
 * Moses distribution-free confidence interval at `confidence` (two-sided).
 */
export function hodgesLehmannShift(x: readonly number[], y: readonly number[], confidence = 0.95): ShiftInterval {
  if (x.length === 0 || y.length === 0) throw new RangeError('hodgesLehmannShift needs at least one value on each side');
  assertFinite(x, 'x');
  assertFinite(y, 'y');
  const diffs = new Float64Array(x.length * y.length);
  let i = 0;
  for (const yj of y) for (const xi of x) diffs[i++] = yj - xi;
  diffs.sort();
  const shift = sortedMedian(diffs);
  const { k, coverage, method } = mannWhitneyIntervalRank(x.length, y.length, confidence);
  if (k === 0) return { shift, lo: -Infinity, hi: Infinity, coverage: 1, method };
  return { shift, lo: diffs[k - 1], hi: diffs[diffs.length - k], coverage, method };
}

/** Natural logs of strictly positive values, or a RangeError naming the side. */
export function logsOfPositive(values: readonly number[], what: string): number[] {
  return values.map((v) => {
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${what} must contain only positive finite numbers, got ${v}`);
    return Math.log(v);
  });
}

/**
 * The head/base ratio: Hodges-Lehmann shift of log(head) - log(base) and its Moses interval,
 * exponentiated. Values must be positive (throughput, latency, CPU, RSS).
 */
export function hodgesLehmannRatio(base: readonly number[], head: readonly number[], confidence = 0.95): RatioInterval {
  const r = hodgesLehmannShift(logsOfPositive(base, 'base'), logsOfPositive(head, 'head'), confidence);
  return { ratio: Math.exp(r.shift), lo: Math.exp(r.lo), hi: Math.exp(r.hi), coverage: r.coverage, method: r.method };
}
