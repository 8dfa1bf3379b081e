// The verdict rule of METHODS.md ("Comparing base and head"): a change is reported only when it is both
// statistically clear (the interval excludes 1) and practically large (the estimate passes δ); "unchanged"
// needs positive evidence (the whole interval inside the band); everything else asks for more runs.
//
// The band is the plain [1 - δ, 1 + δ] for both directions, so "5%" means what a reader of the report
// expects: throughput down to 0.95× or latency up to 1.05× is a 5% change. (A log-symmetric band
// [1/(1+δ), 1+δ] would make a 5% threshold on throughput fire at a 4.8% drop.)

import { median } from './ranks.ts';

// Same unions as Verdict and Direction in src/model.ts, repeated so stats/ depends on nothing of ours.
export type StatsVerdict = 'regression' | 'improvement' | 'unchanged' | 'inconclusive';
export type StatsDirection = 'higher-is-better' | 'lower-is-better';

export interface RatioEstimate {
  /** Estimated head/base ratio. */
  ratio: number;
  /** Confidence interval of the ratio. */
  lo: number;
  hi: number;
}

/**
 * regression:  the interval lies entirely on the bad side of 1 and the estimate is at least δ bad
 *              (throughput: hi < 1 and ratio <= 1 - δ; latency: lo > 1 and ratio >= 1 + δ);
 * improvement: the same on the good side;
 * unchanged:   the whole interval inside [1 - δ, 1 + δ];
 * inconclusive: anything else, including non-finite input (a too-small sample gives an infinite interval).
 */
export function decideVerdict(estimate: RatioEstimate, threshold: number, direction: StatsDirection): StatsVerdict {
  if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`threshold must be a finite fraction >= 0, got ${threshold}`);
  const { ratio, lo, hi } = estimate;
  if (![ratio, lo, hi].every(Number.isFinite) || !(lo <= hi)) return 'inconclusive';
  const upper = 1 + threshold;
  const lower = 1 - threshold;
  const wentUp = lo > 1 && ratio >= upper;
  const wentDown = hi < 1 && ratio <= lower;
  if (wentUp) return direction === 'lower-is-better' ? 'regression' : 'improvement';
  if (wentDown) return direction === 'higher-is-better' ? 'regression' : 'improvement';
  if (lo >= lower && hi <= upper) return 'unchanged';
  return 'inconclusive';
}

/**
 * Smallest relative change a comparison of `pairs` runs a side can reliably see at the given
 * run-to-run CV: 2.8 · cv · √(2/n) (z for two-sided 5% plus z for 80% power ≈ 1.96 + 0.84 = 2.8, times
 * the standard error of a difference of two means). Infinity for fewer than one pair.
 */
export function minDetectableChange(cv: number, pairs: number): number {
  if (!(cv >= 0)) throw new RangeError(`cv must be >= 0, got ${cv}`);
  if (!(pairs >= 1)) return Infinity;
  return 2.8 * cv * Math.sqrt(2 / pairs);
}

/**
 * Pairs needed for minDetectableChange(cv, n) to be at or below `threshold`: the smallest integer
 * n >= 1 with 2.8 · cv · √(2/n) <= threshold, i.e. n = ⌈2 · (2.8 · cv / threshold)²⌉.
 */
export function pairsNeededFor(cv: number, threshold: number): number {
  if (!(cv >= 0)) throw new RangeError(`cv must be >= 0, got ${cv}`);
  if (!(threshold > 0)) throw new RangeError(`threshold must be > 0, got ${threshold}`);
  let n = Math.max(1, Math.ceil(2 * ((2.8 * cv) / threshold) ** 2));
  // Guard against the ceiling landing one short through rounding.
  while (minDetectableChange(cv, n) > threshold) n++;
  return n;
}

/** 1 / Φ⁻¹(3/4): scales the MAD to estimate the standard deviation of normal data. */
const MAD_TO_SD = 1.482602218505602;

/**
 * Run-to-run coefficient of variation, robust for the 5-20 runs we have: 1.4826 · MAD / |median|.
 * One +30% outlier among 10 runs barely moves it, where sd/mean would jump (and with it every noise
 * floor derived from it). When more than half the values are equal the MAD is 0 although the runs do
 * vary; then it falls back to sd/|mean|, so the noise is never reported as zero unless it is.
 * NaN for fewer than 2 values or a zero centre.
 */
export function coefficientOfVariation(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const centre = median(values);
  const mad = median(values.map((v) => Math.abs(v - centre)));
  if (mad > 0) return centre === 0 ? NaN : (MAD_TO_SD * mad) / Math.abs(centre);
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (mean === 0) return NaN;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance) / Math.abs(mean);
}
