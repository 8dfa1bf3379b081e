// Paired comparison: Wilcoxon signed-rank test and the one-sample Hodges-Lehmann estimate of the
// per-pair log-ratio. Base and head runs alternate, so pair i was measured at about the same moment on
// both sides: differencing within pairs cancels slow drift across a session that would otherwise widen
// (or bias) a two-sample comparison.
//
// The test matches SciPy's `scipy.stats.wilcoxon(d)` defaults (checked against 1.10):
//  - zero differences are dropped before ranking (zero_method='wilcox');
//  - 'exact' (method='exact') when no zeros, no ties among |d| and n <= 50:
//    p = 2·min(P(T+ <= t), P(T+ >= t)) capped at 1;
//  - otherwise 'normal' (method='approx', correction=False): tie-corrected variance, no continuity
//    correction. (SciPy 1.10 would still run its exact branch with tied |d|, on truncated rank sums;
//    we go normal, which is what later SciPy versions do.)
// `w` is SciPy's two-sided statistic min(T+, T-).

import { INTERVAL_SLACK, logsOfPositive } from './hodges-lehmann.ts';
import { normalCdf, normalQuantile, normalSf } from './normal.ts';
import { assertFinite, averageRanks, sortedMedian } from './ranks.ts';
import type { TestMethod } from './mann-whitney.ts';

export interface WilcoxonResult {
  /** min(T+, T-) over the nonzero differences (SciPy's statistic). */
  w: number;
  /** Sum of the ranks of the positive differences. */
  rPlus: number;
  /** Number of nonzero differences the test used. */
  n: number;
  /** Two-sided p-value; 1 when every difference is zero. */
  p: number;
  method: TestMethod;
}

export interface WilcoxonOptions {
  /** 'auto' (default): exact for n <= WILCOXON_EXACT_MAX_N without zeros or ties, else normal. */
  method?: 'auto' | TestMethod;
  /** Continuity correction for the normal approximation (default false, as SciPy). */
  continuity?: boolean;
}

export const WILCOXON_EXACT_MAX_N = 50;

const distributionCache = new Map<number, Float64Array>();

/**
 * Null distribution of T+ for n untied nonzero differences: element t is P(T+ = t), t = 0..n(n+1)/2.
 * Each rank i is in T+ with probability 1/2 independently: the product of (1 + q^i)/2. Memoized per n.
 */
export function signedRankDistribution(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const cached = distributionCache.get(n);
  if (cached) return cached;
  const max = (n * (n + 1)) / 2;
  let pmf = new Float64Array(max + 1);
  pmf[0] = 1;
  let reach = 0;
  for (let i = 1; i <= n; i++) {
    const next = new Float64Array(max + 1);
    for (let t = 0; t <= reach; t++) {
      next[t] += pmf[t] / 2;
      next[t + i] += pmf[t] / 2;
    }
    reach += i;
    pmf = next;
  }
  distributionCache.set(n, pmf);
  return pmf;
}

/** P(T+ <= t) for n untied nonzero differences. */
export function signedRankCdf(t: number, n: number): number {
  const pmf = signedRankDistribution(n);
  if (t < 0) return 0;
  const top = Math.min(Math.floor(t), pmf.length - 1);
  let s = 0;
  for (let i = 0; i <= top; i++) s += pmf[i];
  return Math.min(1, s);
}

/** Two-sided Wilcoxon signed-rank test of whether the differences `d` are centred on zero. */
export function wilcoxonSignedRank(d: readonly number[], options: WilcoxonOptions = {}): WilcoxonResult {
  if (d.length === 0) throw new RangeError('wilcoxonSignedRank needs at least one difference');
  assertFinite(d, 'd');
  const nonzero = d.filter((v) => v !== 0);
  const zeros = d.length - nonzero.length;
  const n = nonzero.length;
  if (n === 0) return { w: 0, rPlus: 0, n: 0, p: 1, method: 'normal' };

  const { ranks, tieGroups } = averageRanks(nonzero.map(Math.abs));
  let rPlus = 0;
  let rMinus = 0;
  nonzero.forEach((v, i) => {
    if (v > 0) rPlus += ranks[i];
    else rMinus += ranks[i];
  });
  const w = Math.min(rPlus, rMinus);

  const exactPossible = zeros === 0 && tieGroups.length === 0;
  let method: TestMethod;
  if (options.method === 'exact') {
    if (!exactPossible) throw new RangeError('the exact signed-rank distribution does not hold with zeros or ties; use the normal method');
    method = 'exact';
  } else if (options.method === 'normal') {
    method = 'normal';
  } else {
    method = exactPossible && n <= WILCOXON_EXACT_MAX_N ? 'exact' : 'normal';
  }

  let p: number;
  if (method === 'exact') {
    const max = (n * (n + 1)) / 2;
    // P(T+ >= r) = P(T+ <= max - r) by symmetry; both are lower-tail sums.
    p = 2 * Math.min(signedRankCdf(rPlus, n), signedRankCdf(max - rPlus, n));
  } else {
    const mean = (n * (n + 1)) / 4;
    let tieTerm = 0;
    for (const t of tieGroups) tieTerm += t * (t * t - 1);
    const sd = Math.sqrt((n * (n + 1) * (2 * n + 1) - 0.5 * tieTerm) / 24);
    const correction = options.continuity ? 0.5 * Math.sign(w - mean) : 0;
    p = sd === 0 ? 1 : 2 * normalSf(Math.abs((w - mean - correction) / sd));
  }
  return { w, rPlus, n, p: Math.min(1, Math.max(0, p)), method };
}

export interface OneSampleInterval {
  /** Hodges-Lehmann one-sample estimate: the median of the Walsh averages (d_i + d_j)/2, i <= j. */
  estimate: number;
  /** Interval bounds; ±Infinity when n is too small for the requested confidence. */
  lo: number;
  hi: number;
  coverage: number;
  method: TestMethod;
}

/**
 * The rank k (1-based) of the lower bound among the n(n+1)/2 sorted Walsh averages.
 * Exact (n <= WILCOXON_EXACT_MAX_N): the largest k with P(T+ <= k-1) <= α/2.
 * Normal: k = ⌊μ + 0.5 - z·σ⌋ with μ = n(n+1)/4, σ² = n(n+1)(2n+1)/24 (continuity-corrected,
 * ties ignored, which can only widen the interval). k = 0: no interval exists at that level.
 */
export function signedRankIntervalRank(n: number, confidence: number): { k: number; coverage: number; method: TestMethod } {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  // Slack: 1 - 0.9 is 0.0999…98 in floating point, which would miss exactly attainable levels.
  const half = (1 - confidence) / 2 + INTERVAL_SLACK;
  const walsh = (n * (n + 1)) / 2;
  if (n <= WILCOXON_EXACT_MAX_N) {
    let k = 0;
    while (k < walsh && signedRankCdf(k, n) <= half) k++;
    return { k, coverage: 1 - 2 * signedRankCdf(k - 1, n), method: 'exact' };
  }
  const mu = walsh / 2;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const k = Math.max(0, Math.floor(mu + 0.5 - z * sigma));
  const coverage = k === 0 ? 1 : 1 - 2 * normalCdf((k - 0.5 - mu) / sigma);
  return { k, coverage, method: 'normal' };
}

/**
 * Hodges-Lehmann one-sample location estimate of `d` (median of Walsh averages) with the interval
 * inverted from the signed-rank test. Zeros are kept: they are part of the location estimate.
 */
export function hodgesLehmannOneSample(d: readonly number[], confidence = 0.95): OneSampleInterval {
  if (d.length === 0) throw new RangeError('hodgesLehmannOneSample needs at least one value');
  assertFinite(d, 'd');
  const n = d.length;
  const walsh = new Float64Array((n * (n + 1)) / 2);
  let w = 0;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) walsh[w++] = (d[i] + d[j]) / 2;
  walsh.sort();
  const estimate = sortedMedian(walsh);
  const { k, coverage, method } = signedRankIntervalRank(n, confidence);
  if (k === 0) return { estimate, lo: -Infinity, hi: Infinity, coverage: 1, method };
  return { estimate, lo: walsh[k - 1], hi: walsh[walsh.length - k], coverage, method };
}

export interface PairedRatioInterval {
  /** exp(estimate): the typical head/base ratio within a pair. */
  ratio: number;
  lo: number;
  hi: number;
  coverage: number;
  method: TestMethod;
}

/**
 * Head/base ratio from paired runs (pair i = base[i], head[i]): the one-sample Hodges-Lehmann
 * estimate of log(head_i / base_i) with its signed-rank interval, exponentiated.
 */
export function pairedRatio(base: readonly number[], head: readonly number[], confidence = 0.95): PairedRatioInterval {
  if (base.length !== head.length) {
    throw new RangeError(`pairedRatio needs as many base as head values, got ${base.length} and ${head.length}`);
  }
  const lb = logsOfPositive(base, 'base');
  const lh = logsOfPositive(head, 'head');
  const r = hodgesLehmannOneSample(lh.map((v, i) => v - lb[i]), confidence);
  return { ratio: Math.exp(r.estimate), lo: Math.exp(r.lo), hi: Math.exp(r.hi), coverage: r.coverage, method: r.method };
}
