// The gate's decision rule: "is head worse by δ or more?", answered regression / no regression / cannot
// tell, with no dead zone at δ. Two one-sided tests share an indifference zone between δ·margin and δ
// (the shape of a sequential test of two hypotheses, as SPRT-style engine testing uses):
//  - regression:  head is clearly worse than the harmless side of the zone (one-sided test of
//                 "worse by at most margin·δ" rejected at α, after Holm), and the runs cannot show that it
//                 is worse by less than δ;
//  - not worse by δ: the far end of the interval (one-sided at 1 − β) stays under δ. Then the metric is
//                 "below threshold" when it still shows a real change (shown, not gated), "unchanged"
//                 when it does not, "improvement" when it is the mirror image of a regression;
//  - cannot tell: anything else.
// A true change of exactly δ is called a regression with probability → 1 − β as pairs grow, a change
// under δ ends "below threshold" or "unchanged", and every case is settled by some finite number of pairs:
// an interval narrower than (1 − margin)·δ cannot both reach δ and stay under margin·δ.
//
// Everything here works on the log of head/base; "worse by δ" is the plain band (throughput down to
// (1 − δ)×, latency up to (1 + δ)×), as the report reads.

import { hodgesLehmannShift, logsOfPositive } from './hodges-lehmann.ts';
import { mannWhitneyU } from './mann-whitney.ts';
import { normalQuantile, normalSf } from './normal.ts';
import { hodgesLehmannOneSample, wilcoxonSignedRank } from './wilcoxon.ts';

export type GateVerdict = 'regression' | 'improvement' | 'below-threshold' | 'unchanged' | 'inconclusive';
export type GateDirection = 'higher-is-better' | 'lower-is-better';

export interface GateRule {
  /**
   * One-sided level of the test that calls a regression or an improvement (Holm-adjusted across the job):
   * the chance that any gated metric at most margin·δ worse is called a regression.
   */
  alpha: number;
  /** Two-sided level (Holm-adjusted) at which a change counts as real for "below threshold". */
  changeAlpha: number;
  /** One-sided level of the test that clears a metric ("not worse by δ"); the reported interval is 1 − 2β. */
  beta: number;
  /** The harmless edge of the indifference zone, as a fraction of δ. */
  margin: number;
}

/**
 * The default rule, the same at every look. α = 10% bounds false claims *at the harmless edge* (a change
 * of exactly δ/2 in some gated metric); an A/A change sits far below that edge, so its false alarms are
 * much rarer — the sequential simulation in test/bench/sequential-gate.test.ts holds the whole schedule,
 * looks included, to its 2% budget. β = 5%: a metric truly worse by δ is cleared 1 time in 20 at most.
 * margin = ½: nothing under δ/2 is called a regression (a +2% change at δ = 5% never is), while +5% is
 * found at 10–15 pairs on a quiet runner (docs/methodology.md §4, §9).
 */
export const GATE_RULE: GateRule = { alpha: 0.1, changeAlpha: 0.05, beta: 0.05, margin: 0.5 };

/** The power "~N pairs would settle it" aims for: settled 4 times in 5 if the estimate is the truth. */
const SETTLE_POWER_Z = 0.8416212335729143;

/** Beyond this many pairs the report says the answer is out of reach instead of quoting a number. */
export const MAX_PAIRS_QUOTED = 500;

/** Change on the log scale with worse positive: log(ratio) for costs, −log(ratio) for throughput. */
function worseLog(ratio: number, direction: GateDirection): number {
  return direction === 'lower-is-better' ? Math.log(ratio) : -Math.log(ratio);
}

/** The ratio at which head is worse by `fraction` (1 + f for costs, 1 − f for throughput), on the worse-log scale. */
function worseBoundary(fraction: number, direction: GateDirection): number {
  return direction === 'lower-is-better' ? Math.log1p(fraction) : fraction >= 1 ? Infinity : -Math.log1p(-fraction);
}

/** The ratio at which head is better by `fraction`, on the worse-log scale (negative). */
function betterBoundary(fraction: number, direction: GateDirection): number {
  return direction === 'lower-is-better' ? (fraction >= 1 ? -Infinity : Math.log1p(-fraction)) : -Math.log1p(fraction);
}

function checkRule(rule: GateRule, threshold: number): void {
  if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`threshold must be a finite fraction >= 0, got ${threshold}`);
  if (![rule.alpha, rule.beta, rule.changeAlpha].every((a) => a > 0 && a < 0.5)) throw new RangeError('alpha, changeAlpha and beta must be in (0, 0.5)');
  if (!(rule.margin >= 0 && rule.margin < 1)) throw new RangeError(`margin must be in [0, 1), got ${rule.margin}`);
}

/** Known run-to-run noise (a calibrated CV) that the interval may not be narrower than. */
export interface NoiseFloor {
  cv: number;
}

/** What the runs of one metric say, before the family correction. */
export interface GateEvidence {
  /** Hodges-Lehmann estimate of head/base. */
  ratio: number;
  /** The interval the clearance test reads, two-sided at 1 − 2β (each end a one-sided 1 − β bound). */
  lo: number;
  hi: number;
  /** One-sided p of "head is worse by at most margin·δ": small means clearly worse than harmless. */
  pWorse: number;
  /** One-sided p of "head is better by at most margin·δ". */
  pBetter: number;
  /** Spread of the log-change per pair (standard error × √pairs), for pair estimates. */
  spread: number;
  /** Runs a side (the smaller side); for paired evidence, the complete pairs. */
  pairs: number;
  /** True when the calibrated noise floor, not the runs alone, set the interval. */
  floored: boolean;
  /** Two-sided p of any change at all: Mann-Whitney, or Wilcoxon signed-rank for paired evidence. */
  pChange: number;
  /** True when it came from the per-pair ratios (pairedGateEvidence). */
  paired: boolean;
}

/**
 * One-sided Mann-Whitney p of "y − x ≤ shift" against "y − x > shift" (sign +1), or of "y − x ≥ shift"
 * against "y − x < shift" (sign −1). The two-sided test halves into the side the data point to; on the
 * other side the answer is "no evidence" (≥ 1/2), which is all a gate needs.
 */
export function oneSidedShiftP(x: readonly number[], y: readonly number[], shift: number, sign: 1 | -1): number {
  if (!Number.isFinite(shift)) return sign * shift > 0 ? 1 : 0;
  const moved = y.map((v) => v - shift);
  const test = mannWhitneyU(moved, x);
  const half = test.p / 2;
  const cells = moved.length * x.length;
  // u counts pairs where the moved y is above x: above half the cells, the data point to "greater".
  const pointsUp = test.u > cells / 2;
  const pointsDown = test.u < cells / 2;
  if (sign === 1) return pointsUp ? half : 1 - half;
  return pointsDown ? half : 1 - half;
}

/**
 * One-sided Wilcoxon signed-rank p of "d ≤ shift" against "d > shift" (sign +1), or of "d ≥ shift" against
 * "d < shift" (sign −1): the paired counterpart of oneSidedShiftP, halved the same way.
 */
export function oneSidedSignedRankP(d: readonly number[], shift: number, sign: 1 | -1): number {
  if (!Number.isFinite(shift)) return sign * shift > 0 ? 1 : 0;
  const moved = d.map((v) => v - shift);
  // Every difference exactly on the edge: no evidence either way.
  if (moved.every((v) => v === 0)) return 1;
  const test = wilcoxonSignedRank(moved);
  const half = test.p / 2;
  const centre = (test.n * (test.n + 1)) / 4;
  const pointsUp = test.rPlus > centre;
  const pointsDown = test.rPlus < centre;
  if (sign === 1) return pointsUp ? half : 1 - half;
  return pointsDown ? half : 1 - half;
}

/** With a calibrated CV, the interval and one-sided p-values no narrower or smaller than that noise allows. */
function applyFloor(
  evidence: GateEvidence, shift: number, lo: number, hi: number, se: number, floor: NoiseFloor, edges: { worse: number; better: number }, direction: GateDirection,
  zBeta: number,
): GateEvidence {
  const floored = hi - lo < 2 * zBeta * se;
  const sign = direction === 'lower-is-better' ? 1 : -1;
  return {
    ...evidence,
    lo: Math.exp(Math.min(lo, shift - zBeta * se)),
    hi: Math.exp(Math.max(hi, shift + zBeta * se)),
    pWorse: Math.max(evidence.pWorse, normalSf((sign * (shift - edges.worse)) / se)),
    pBetter: Math.max(evidence.pBetter, normalSf((sign * (edges.better - shift)) / se)),
    spread: Math.max(evidence.spread, floor.cv * Math.SQRT2),
    floored,
  };
}

/** The zone's edges (worse and better by margin·δ) in the log of head/base, not the worse-log scale. */
function zoneEdges(threshold: number, direction: GateDirection, rule: GateRule): { worse: number; better: number } {
  const toRatioLog = (w: number) => (direction === 'lower-is-better' ? w : -w);
  return {
    worse: toRatioLog(worseBoundary(rule.margin * threshold, direction)),
    better: toRatioLog(betterBoundary(rule.margin * threshold, direction)),
  };
}

/**
 * Evidence from an interval on the log of head/base (estimate, ends) over `pairs`, and the tests' p-values:
 * the spread is the interval's half-width in standard errors × √pairs, for pair estimates.
 */
function evidenceFrom(
  interval: { estimate: number; lo: number; hi: number }, pairs: number, zBeta: number,
  tests: Pick<GateEvidence, 'pWorse' | 'pBetter' | 'pChange' | 'paired'>,
): GateEvidence {
  const { estimate, lo, hi } = interval;
  return {
    ratio: Math.exp(estimate), lo: Math.exp(lo), hi: Math.exp(hi), ...tests, pairs, floored: false,
    spread: Number.isFinite(lo) && Number.isFinite(hi) ? ((hi - lo) / (2 * zBeta)) * Math.sqrt(pairs) : Infinity,
  };
}

/**
 * The paired runs a metric needs before its evidence comes from the per-pair ratios. Below it the
 * two-sample tests are kept: with 8 pairs the smallest exact two-sided signed-rank p is 2/2⁸ ≈ 0.008,
 * just under Holm's first step for 12 gated tests at α = 10% (0.0083); with fewer, a paired test could
 * not call a regression at all.
 */
export const PAIRED_MIN_PAIRS = 8;

/**
 * The evidence of one metric from paired runs (base[i] and head[i] measured back to back, in random
 * order): the quantities of gateEvidence, from the per-pair log-ratios — one-sample Hodges-Lehmann
 * (median of the Walsh averages) with its signed-rank interval, and one-sided Wilcoxon signed-rank tests
 * against the zone's edges. Differencing within a pair cancels whatever noise lasts longer than a pair
 * (a machine drifting over minutes, a neighbour busy for a while), which two-sample tests must count as
 * run-to-run noise; the random order inside each pair makes the per-pair ratios symmetric under "no
 * change", which is all the signed-rank test assumes.
 */
export function pairedGateEvidence(
  base: readonly number[],
  head: readonly number[],
  threshold: number,
  direction: GateDirection,
  rule: GateRule = GATE_RULE,
  floor?: NoiseFloor,
): GateEvidence {
  checkRule(rule, threshold);
  if (base.length !== head.length || base.length === 0) throw new RangeError(`paired evidence needs as many base as head values (at least 1), got ${base.length} and ${head.length}`);
  const x = logsOfPositive(base, 'base');
  const y = logsOfPositive(head, 'head');
  const d = y.map((v, i) => v - x[i]);
  const n = d.length;
  const hl = hodgesLehmannOneSample(d, 1 - 2 * rule.beta);
  const zBeta = normalQuantile(1 - rule.beta);
  const edges = zoneEdges(threshold, direction, rule);
  const up: 1 | -1 = direction === 'lower-is-better' ? 1 : -1;
  const evidence = evidenceFrom(hl, n, zBeta, {
    pWorse: oneSidedSignedRankP(d, edges.worse, up),
    pBetter: oneSidedSignedRankP(d, edges.better, up === 1 ? -1 : 1),
    pChange: d.every((v) => v === 0) ? 1 : wilcoxonSignedRank(d).p,
    paired: true,
  });
  if (!floor || !(floor.cv > 0) || !Number.isFinite(floor.cv)) return evidence;
  // A per-pair log-ratio is the difference of two runs' logs: its noise is √2 · CV.
  return applyFloor(evidence, hl.estimate, hl.lo, hl.hi, floor.cv * Math.sqrt(2 / n), floor, edges, direction, zBeta);
}

/**
 * The evidence of one metric: Hodges-Lehmann ratio, the clearance interval, the one-sided p-values against
 * the two edges of the indifference zone, and the spread. With a noise floor (a calibrated CV), the
 * interval is never narrower, nor the p-values smaller, than that noise allows for these run counts: a
 * lucky quiet stretch of ten runs cannot make the evidence look stronger than the runner is.
 */
export function gateEvidence(
  base: readonly number[],
  head: readonly number[],
  threshold: number,
  direction: GateDirection,
  rule: GateRule = GATE_RULE,
  floor?: NoiseFloor,
): GateEvidence {
  checkRule(rule, threshold);
  const x = logsOfPositive(base, 'base');
  const y = logsOfPositive(head, 'head');
  const hl = hodgesLehmannShift(x, y, 1 - 2 * rule.beta);
  const pairs = Math.min(x.length, y.length);
  const zBeta = normalQuantile(1 - rule.beta);
  const edges = zoneEdges(threshold, direction, rule);
  // Up in the ratio is worse for costs, better for throughput.
  const up: 1 | -1 = direction === 'lower-is-better' ? 1 : -1;
  const evidence = evidenceFrom({ estimate: hl.shift, lo: hl.lo, hi: hl.hi }, pairs, zBeta, {
    pWorse: oneSidedShiftP(x, y, edges.worse, up),
    pBetter: oneSidedShiftP(x, y, edges.better, up === 1 ? -1 : 1),
    pChange: mannWhitneyU(y, x).p,
    paired: false,
  });
  if (!floor || !(floor.cv > 0) || !Number.isFinite(floor.cv)) return evidence;
  // CV of the raw values ≈ standard deviation of their logs, for the few percent we deal with.
  return applyFloor(evidence, hl.shift, hl.lo, hl.hi, floor.cv * Math.sqrt(1 / x.length + 1 / y.length), floor, edges, direction, zBeta);
}

export interface GateInput {
  ratio: number;
  /** The clearance interval of head/base (one-sided 1 − β at each end). */
  lo: number;
  hi: number;
  /** Holm-adjusted one-sided p-values against the zone's edges. */
  pWorseAdjusted: number;
  pBetterAdjusted: number;
  /**
   * Holm-adjusted two-sided p of any change at all (Mann-Whitney): a change is "real" below α. Adjusted,
   * because one interval in ten of a 90% level excludes 1 by chance, and a job has eight gated tests.
   */
  pChangeAdjusted: number;
}

/**
 * regression:      pWorse (adjusted) < α, and the interval still reaches δ worse;
 * inconclusive:    not a regression, and the interval reaches δ worse (cannot tell);
 * improvement:     not worse by δ; pBetter (adjusted) < α and the interval reaches δ better;
 * below-threshold: not worse by δ, and a real change (pChange < changeAlpha; the gate does not act on it);
 * unchanged:       not worse by δ, and no change shown.
 * Non-finite input is inconclusive.
 */
export function decideGate(input: GateInput, threshold: number, direction: GateDirection, rule: GateRule = GATE_RULE): GateVerdict {
  checkRule(rule, threshold);
  const { ratio, lo, hi } = input;
  if (![ratio, lo, hi].every(Number.isFinite) || !(lo > 0) || !(lo <= hi)) return 'inconclusive';
  const a = worseLog(lo, direction);
  const b = worseLog(hi, direction);
  const mostWorse = Math.max(a, b);
  const leastWorse = Math.min(a, b);
  const notWorseByDelta = mostWorse < worseBoundary(threshold, direction);
  if (!notWorseByDelta) return input.pWorseAdjusted < rule.alpha ? 'regression' : 'inconclusive';
  if (input.pBetterAdjusted < rule.alpha && leastWorse <= betterBoundary(threshold, direction)) return 'improvement';
  if (input.pChangeAdjusted < rule.changeAlpha) return 'below-threshold';
  return 'unchanged';
}

/**
 * Pairs a side after which an open metric is settled 4 times in 5, if the estimate were the truth: the
 * fewer of the pairs for the regression test to clear margin·δ (at α / family, Holm's first step) and
 * for the interval to come under δ (at β). null when that is beyond MAX_PAIRS_QUOTED, or nothing is known.
 */
export function pairsToSettle(
  evidence: Pick<GateEvidence, 'ratio' | 'spread' | 'pairs'>,
  threshold: number,
  direction: GateDirection,
  family = 1,
  rule: GateRule = GATE_RULE,
): number | null {
  checkRule(rule, threshold);
  const { ratio, spread, pairs } = evidence;
  if (!(ratio > 0) || !Number.isFinite(ratio) || !(spread > 0) || !Number.isFinite(spread)) return null;
  const theta = worseLog(ratio, direction);
  const harmless = worseBoundary(rule.margin * threshold, direction);
  const worse = worseBoundary(threshold, direction);
  const zAlpha = normalQuantile(1 - rule.alpha / Math.max(1, family));
  const zBeta = normalQuantile(1 - rule.beta);
  const needed: number[] = [];
  if (theta > harmless) needed.push((((zAlpha + SETTLE_POWER_Z) * spread) / (theta - harmless)) ** 2);
  if (theta < worse) needed.push((((zBeta + SETTLE_POWER_Z) * spread) / (worse - theta)) ** 2);
  if (needed.length === 0) return null;
  const n = Math.ceil(Math.min(...needed));
  if (!Number.isFinite(n) || n > MAX_PAIRS_QUOTED) return null;
  return Math.max(pairs + 1, n);
}

/**
 * The smallest true change the gate calls a regression 4 times in 5 with `pairs` pairs at the given
 * per-pair spread, in a family of `family` gated tests (Holm's first step): margin·δ plus
 * (z_{α/family} + z_0.8) standard errors. As a fraction (0.05 = 5%).
 */
export function detectableChange(spread: number, pairs: number, threshold: number, direction: GateDirection, family = 1, rule: GateRule = GATE_RULE): number {
  checkRule(rule, threshold);
  if (!(pairs >= 1) || !(spread >= 0) || !Number.isFinite(spread)) return Infinity;
  const z = normalQuantile(1 - rule.alpha / Math.max(1, family));
  const w = worseBoundary(rule.margin * threshold, direction) + ((z + SETTLE_POWER_Z) * spread) / Math.sqrt(pairs);
  return direction === 'lower-is-better' ? Math.expm1(w) : -Math.expm1(-w);
}
