// Trend tests for memory soaks: a Theil-Sen slope (robust to GC spikes), a Mann-Kendall test with the
// Hamed & Rao (1998) variance correction for autocorrelated series (memory samples a few seconds apart
// are anything but independent), and the leak rule of METHODS.md ("Memory soak") built from them.

import { normalQuantile, normalSf } from './normal.ts';
import { assertFinite, averageRanks, median } from './ranks.ts';

export interface LinearFit {
  slope: number;
  intercept: number;
}

/**
 * Theil-Sen estimator: slope = median of (y_j - y_i)/(t_j - t_i) over pairs with t_i != t_j;
 * intercept = median(y) - slope · median(t), as SciPy's `theilslopes`.
 */
export function theilSenSlope(t: readonly number[], y: readonly number[]): LinearFit {
  if (t.length !== y.length) throw new RangeError(`t and y must have the same length, got ${t.length} and ${y.length}`);
  assertFinite(t, 't');
  assertFinite(y, 'y');
  const n = t.length;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dt = t[j] - t[i];
      if (dt !== 0) slopes.push((y[j] - y[i]) / dt);
    }
  }
  if (slopes.length === 0) throw new RangeError('theilSenSlope needs at least two distinct times');
  const slope = median(slopes);
  return { slope, intercept: median(y) - slope * median(t) };
}

export interface MannKendallOptions {
  /** Apply the Hamed-Rao autocorrelation correction to Var(S) (default false). */
  hamedRao?: boolean;
  /** Level at which a lag's autocorrelation counts as significant in the correction (default 0.05). */
  acfAlpha?: number;
  /**
   * Lower bound on the Hamed-Rao factor. The paper's factor can fall far below 1 when a few lags of a
   * short series look negatively correlated by chance (GC sawtooth minima alternate), which makes a flat
   * series look significant: one simulated flat 8-hour soak got a factor of 0.08 and p = 7e-5 where the
   * plain test said 0.27. Pass 1 to let the correction only ever make the test more cautious (leakTest
   * does). Default: no bound, as in the paper.
   */
  minVarianceFactor?: number;
}

export interface MannKendallResult {
  /** S = Σ_{i<j} sign(y_j - y_i). */
  s: number;
  /** Variance of S used (tie-corrected, and Hamed-Rao-corrected when asked). */
  varS: number;
  /** (S - sign S)/√Var(S): continuity-corrected. */
  z: number;
  /** Two-sided p-value. */
  p: number;
  /** Kendall's tau = S / (n(n-1)/2). */
  tau: number;
  /** The Hamed-Rao factor n/n* applied to Var(S) (1 without the correction). */
  varianceFactor: number;
}

/** Sample autocorrelation at lag k (the biased estimator: lag sums over the full-series variance). */
function autocorrelation(values: readonly number[], lag: number, mean: number, denominator: number): number {
  let s = 0;
  for (let i = 0; i + lag < values.length; i++) s += (values[i] - mean) * (values[i + lag] - mean);
  return s / denominator;
}

/**
 * Hamed & Rao (1998) factor n/n* = 1 + 2/(n(n-1)(n-2)) · Σ_{k=1}^{n-1} (n-k)(n-k-1)(n-k-2) ρ_k,
 * where ρ_k is the autocorrelation at lag k of the ranks of the series detrended by its Sen slope,
 * and only lags with |ρ_k| > z_{1-α/2}/√n (significant at level α) contribute.
 * Returns 1 when the factor would not be positive (possible only with strong negative correlations in
 * very short series), so the correction never produces a meaningless variance.
 */
export function hamedRaoFactor(y: readonly number[], acfAlpha = 0.05): number {
  const n = y.length;
  if (n < 3) return 1;
  const index = y.map((_, i) => i + 1);
  const { slope } = theilSenSlope(index, y);
  const { ranks } = averageRanks(y.map((v, i) => v - slope * index[i]));
  const mean = ranks.reduce((s, r) => s + r, 0) / n;
  const denominator = ranks.reduce((s, r) => s + (r - mean) ** 2, 0);
  if (denominator === 0) return 1;
  const bound = normalQuantile(1 - acfAlpha / 2) / Math.sqrt(n);
  let sum = 0;
  for (let k = 1; k < n; k++) {
    const rho = autocorrelation(ranks, k, mean, denominator);
    if (Math.abs(rho) > bound) sum += (n - k) * (n - k - 1) * (n - k - 2) * rho;
  }
  const factor = 1 + (2 / (n * (n - 1) * (n - 2))) * sum;
  return factor > 0 ? factor : 1;
}

/**
 * Two-sided Mann-Kendall trend test of y in the given order (equally spaced observations assumed).
 * Var(S) = [n(n-1)(2n+5) - Σ t(t-1)(2t+5)]/18 over tie groups of size t, times the Hamed-Rao factor
 * when `hamedRao` is set. Fewer than 3 values: no test, p = 1.
 */
export function mannKendall(y: readonly number[], options: MannKendallOptions = {}): MannKendallResult {
  assertFinite(y, 'y');
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign(y[j] - y[i]);
  const tau = n >= 2 ? s / ((n * (n - 1)) / 2) : 0;
  if (n < 3) return { s, varS: 0, z: 0, p: 1, tau, varianceFactor: 1 };
  const { tieGroups } = averageRanks(y);
  let tieTerm = 0;
  for (const t of tieGroups) tieTerm += t * (t - 1) * (2 * t + 5);
  const factor = options.hamedRao
    ? Math.max(options.minVarianceFactor ?? 0, hamedRaoFactor(y, options.acfAlpha ?? 0.05))
    : 1;
  const varS = ((n * (n - 1) * (2 * n + 5) - tieTerm) / 18) * factor;
  if (varS <= 0) return { s, varS, z: 0, p: 1, tau, varianceFactor: factor };
  const z = (s - Math.sign(s)) / Math.sqrt(varS);
  return { s, varS, z, p: Math.min(1, 2 * normalSf(Math.abs(z))), tau, varianceFactor: factor };
}

export interface MemorySample {
  /** Seconds since the soak started. */
  tSec: number;
  /** Memory of the server's process tree (RssAnon), bytes. */
  bytes: number;
  /**
   * Which server process took it (0, 1, …): a soak resumed after a restart runs a fresh server, whose
   * memory starts over. Trends are only ever read within a segment (default 0).
   */
  segment?: number;
}

/** A trend read within blocks (segments) of a series, never across them. */
export interface TrendBlock {
  /** Hours (any unit; the slope is per that unit). */
  t: number[];
  y: number[];
}

/**
 * Theil-Sen over blocks: the median of the pairwise slopes within each block (Sen's slope of the seasonal
 * Kendall test, Hirsch, Slack & Smith 1982). One block is the plain estimator. NaN without any pair.
 */
export function blockedTheilSen(blocks: readonly TrendBlock[]): number {
  const slopes: number[] = [];
  for (const { t, y } of blocks) {
    for (let i = 0; i < t.length; i++) {
      for (let j = i + 1; j < t.length; j++) {
        const dt = t[j] - t[i];
        if (dt !== 0) slopes.push((y[j] - y[i]) / dt);
      }
    }
  }
  return slopes.length === 0 ? NaN : median(slopes);
}

/**
 * Mann-Kendall over blocks: S and Var(S) summed over the blocks (the seasonal Kendall test), each block's
 * variance tie-corrected and Hamed-Rao-corrected with the factor floored at 1, as leakTest does for one
 * series. One block of 3 or more is exactly `mannKendall(y, { hamedRao: true, minVarianceFactor: 1 })`.
 */
export function blockedMannKendall(blocks: readonly number[][]): { s: number; varS: number; z: number; p: number } {
  let s = 0;
  let varS = 0;
  for (const y of blocks) {
    if (y.length >= 3) {
      const r = mannKendall(y, { hamedRao: true, minVarianceFactor: 1 });
      s += r.s;
      varS += r.varS;
    } else if (y.length === 2) {
      // n(n-1)(2n+5)/18 = 1 for two distinct values; a tie carries no information.
      s += Math.sign(y[1] - y[0]);
      varS += y[1] === y[0] ? 0 : 1;
    }
  }
  if (varS <= 0) return { s, varS, z: 0, p: 1 };
  const z = (s - Math.sign(s)) / Math.sqrt(varS);
  return { s, varS, z, p: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

export interface LeakTestOptions {
  /** Warm-up dropped: the longer of this (default 900 s) … */
  warmupMinSec?: number;
  /** … and this fraction of the whole soak (default 0.1). */
  warmupFraction?: number;
  /** Window whose minimum is kept (default 600 s): minima ignore GC sawtooth and transient peaks. */
  windowSec?: number;
  /** Significance level of the Mann-Kendall test (default 0.01). */
  alpha?: number;
  /** Slope must exceed the larger of this (default 2 MiB/h) … */
  minSlopeMiBPerHour?: number;
  /** … and this fraction of the baseline per hour (default 0.01). */
  minSlopeFractionPerHour?: number;
  /** Fitted growth over the analysed span must exceed this (default 10 MiB). */
  minGrowthMiB?: number;
  /** Fewer windows than this after the warm-up: no verdict (default 4). */
  minWindows?: number;
}

export interface LeakTestResult {
  /** Theil-Sen slope of the window minima, MiB per hour (NaN when too few windows). */
  slopeMiBPerHour: number;
  /** Mann-Kendall (Hamed-Rao) two-sided p-value of the window minima (1 when too few windows). */
  p: number;
  leak: boolean;
  /** Raw samples after the warm-up. */
  samples: number;
  /** Windows (points) the slope and test were computed on. */
  windows: number;
  /** Minimum of the first window, MiB. */
  baselineMiB: number;
  /** Fitted growth across the analysed span (slope × span), MiB. */
  growthMiB: number;
  /** Which condition decided the answer, for the report. */
  reason: string;
}

const MIB = 1024 * 1024;

/**
 * The smallest two-sided p-value Mann-Kendall can give over blocks of these sizes: a perfectly monotonic
 * series, no ties, no autocorrelation correction. At or above alpha the test can never find anything:
 * 4 windows in one block give at best p = 0.09, so a trend test at 0.01 needs 6 (or more, split in blocks).
 */
export function attainableP(blockSizes: readonly number[]): number {
  let s = 0;
  let varS = 0;
  for (const n of blockSizes) {
    if (n < 2) continue;
    s += (n * (n - 1)) / 2;
    varS += (n * (n - 1) * (2 * n + 5)) / 18;
  }
  if (varS === 0) return 1;
  return Math.min(1, 2 * normalSf((s - 1) / Math.sqrt(varS)));
}

/** The fewest windows in one block at which the trend test can reach p < alpha (6 for 0.01). */
export function windowsForAlpha(alpha = 0.01): number {
  let n = 3;
  while (!(attainableP([n]) < alpha)) n++;
  return n;
}

/** One window's minimum: when it was, how much, which window of which segment. */
interface WindowPoint {
  t: number;
  mib: number;
  index: number;
  segment: number;
  last: number;
}

/** Samples grouped by segment, each sorted by time, segments in order. */
export function bySegment<T extends MemorySample>(samples: readonly T[]): T[][] {
  const groups = new Map<number, T[]>();
  for (const sample of samples) {
    const key = sample.segment ?? 0;
    const group = groups.get(key);
    if (group) group.push(sample);
    else groups.set(key, [sample]);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group.sort((x, y) => x.tSec - y.tSec));
}

/** The warm-up dropped from every segment: the longer of the minimum and a fraction of the whole span. */
export function warmupSeconds(samples: readonly MemorySample[], warmupMinSec: number, warmupFraction: number): number {
  if (samples.length === 0) return warmupMinSec;
  let first = Infinity;
  let last = -Infinity;
  for (const s of samples) {
    first = Math.min(first, s.tSec);
    last = Math.max(last, s.tSec);
  }
  return Math.max(warmupMinSec, warmupFraction * (last - first));
}

/**
 * The minimum of each window after the warm-up, per segment. Each segment is a fresh server, so each drops
 * its own warm-up. A trailing window covering less than half its length is dropped (the minimum of fewer
 * samples is biased upwards).
 */
function windowMinima(segments: readonly MemorySample[][], warmupSec: number, windowSec: number): { blocks: WindowPoint[][]; kept: number } {
  const blocks: WindowPoint[][] = [];
  let kept = 0;
  segments.forEach((segment, segmentIndex) => {
    if (segment.length === 0) return;
    const after = segment.filter((s) => s.tSec - segment[0].tSec >= warmupSec);
    kept += after.length;
    if (after.length === 0) return;
    const start = after[0].tSec;
    const windows: WindowPoint[] = [];
    for (const s of after) {
      const w = Math.floor((s.tSec - start) / windowSec);
      const mib = s.bytes / MIB;
      const win = windows[w];
      if (!win) windows[w] = { t: s.tSec, mib, index: w, segment: segmentIndex, last: s.tSec };
      else {
        if (mib < win.mib) { win.t = s.tSec; win.mib = mib; }
        win.last = s.tSec;
      }
    }
    const points = windows.filter(Boolean);
    if (points.length > 1) {
      const tail = points[points.length - 1];
      if (tail.last - (start + tail.index * windowSec) < windowSec / 2) points.pop();
    }
    blocks.push(points);
  });
  return { blocks, kept };
}

/** What the leak rule concluded about a trend over window points. */
export interface TrendJudgement {
  slopeMiBPerHour: number;
  p: number;
  growthMiB: number;
  /** Points in blocks of two or more (the only ones a within-block trend can use). */
  windows: number;
  /** +1: grows past every bar, -1: shrinks past every bar (only asked of a difference), 0: neither. */
  direction: -1 | 0 | 1;
  /** Too few windows (per block) for the test to ever reach p < alpha: no evidence either way. */
  insufficient: boolean;
  reason: string;
}

/**
 * The rule on window points in blocks: Theil-Sen slope and Mann-Kendall p within blocks; significant at
 * alpha, with a slope beyond max(minSlope, fraction × baseline) and a fitted growth beyond minGrowth.
 * `twoSided`: a shrinking trend counts too (head − base can go either way).
 */
export function judgeTrend(
  blocks: readonly { t: number; mib: number }[][], baselineMiB: number, opts: LeakTestOptions & { twoSided?: boolean },
): TrendJudgement {
  const alpha = opts.alpha ?? 0.01;
  const minSlope = opts.minSlopeMiBPerHour ?? 2;
  const minSlopeFraction = opts.minSlopeFractionPerHour ?? 0.01;
  const minGrowth = opts.minGrowthMiB ?? 10;
  const usable = blocks.filter((b) => b.length >= 2);
  const trendBlocks = usable.map((b) => ({ t: b.map((w) => w.t / 3600), y: b.map((w) => w.mib) }));
  const slope = blockedTheilSen(trendBlocks);
  // The autocorrelation correction may only make the test more cautious here: false alarms are what
  // users of such tools complain about first, and the slope and growth bars do not catch all of them.
  const { p } = blockedMannKendall(trendBlocks.map((b) => b.y));
  const span = trendBlocks.reduce((sum, b) => sum + (b.t[b.t.length - 1] - b.t[0]), 0);
  const growthMiB = slope * span;
  const slopeBar = Math.max(minSlope, minSlopeFraction * baselineMiB);
  const windows = usable.reduce((n, b) => n + b.length, 0);
  const best = attainableP(usable.map((b) => b.length));
  if (!(best < alpha)) {
    const lives = usable.length > 1 ? ` in ${usable.length} server lives` : '';
    return {
      slopeMiBPerHour: slope, p, growthMiB, windows, direction: 0, insufficient: true,
      reason: `${windows} windows${lives} can never reach p < ${alpha} (at best p = ${best.toPrecision(2)})`,
    };
  }
  const sign = opts.twoSided && slope < 0 ? -1 : 1;
  const bar = (v: number) => (opts.twoSided ? `beyond ±${Number(v.toFixed(2))}` : `above ${v.toFixed(2)}`);
  let reason: string;
  let direction: -1 | 0 | 1 = 0;
  if (!(p < alpha)) reason = `no significant trend (p = ${p.toPrecision(3)} >= ${alpha})`;
  else if (!(sign * slope > slopeBar)) reason = `slope ${slope.toFixed(2)} MiB/h is not ${bar(slopeBar)} MiB/h`;
  else if (!(sign * growthMiB > minGrowth)) reason = `growth ${growthMiB.toFixed(1)} MiB is not ${opts.twoSided ? `beyond ±${minGrowth}` : `above ${minGrowth}`} MiB`;
  else {
    direction = sign;
    reason = `memory ${sign > 0 ? 'grows' : 'shrinks'} ${Math.abs(slope).toFixed(2)} MiB/h (p = ${p.toPrecision(3)}), ${growthMiB.toFixed(1)} MiB over the soak`;
  }
  return { slopeMiBPerHour: slope, p, growthMiB, windows, direction, insufficient: false, reason };
}

/**
 * The leak rule of METHODS.md: drop the warm-up (the longer of 15 min or 10% of the soak), keep the
 * minimum of each 10-minute window (a trailing window covering less than half its length is dropped:
 * the minimum of fewer samples is biased upwards), fit a Theil-Sen slope over the window minima, and
 * test them with Mann-Kendall corrected for autocorrelation (Hamed-Rao, the factor floored at 1 so the
 * correction never makes a series more significant than the plain test). A leak needs p < 0.01, a
 * slope above max(2 MiB/h, 1% of the baseline per hour) and a fitted total growth above 10 MiB.
 * A soak resumed after restarts has several segments (`MemorySample.segment`): each drops its own
 * warm-up, and slope and test are read within segments only, their evidence summed.
 */
export function leakTest(samples: readonly MemorySample[], opts: LeakTestOptions = {}): LeakTestResult {
  const windowSec = opts.windowSec ?? 600;
  const minWindows = Math.max(3, opts.minWindows ?? 4);
  if (!(windowSec > 0)) throw new RangeError(`windowSec must be > 0, got ${windowSec}`);
  assertFinite(samples.map((s) => s.tSec), 'tSec');
  assertFinite(samples.map((s) => s.bytes), 'bytes');

  const none = (reason: string, kept: number): LeakTestResult => ({
    slopeMiBPerHour: NaN, p: 1, leak: false, samples: kept, windows: 0, baselineMiB: NaN, growthMiB: NaN, reason,
  });
  if (samples.length === 0) return none('no samples', 0);

  const warmup = warmupSeconds(samples, opts.warmupMinSec ?? 900, opts.warmupFraction ?? 0.1);
  const { blocks, kept } = windowMinima(bySegment(samples), warmup, windowSec);
  if (kept === 0) return none('soak shorter than its warm-up', 0);
  const windows = blocks.filter((b) => b.length >= 2).reduce((n, b) => n + b.length, 0);
  if (windows < minWindows) {
    return { ...none(`only ${windows} windows after the warm-up, need ${minWindows}`, kept), windows };
  }
  const baselineMiB = blocks.find((b) => b.length >= 2)![0].mib;
  const judged = judgeTrend(blocks, baselineMiB, opts);
  if (judged.insufficient) return { ...none(judged.reason, kept), windows: judged.windows };
  return {
    slopeMiBPerHour: judged.slopeMiBPerHour, p: judged.p, leak: judged.direction > 0, samples: kept, windows: judged.windows,
    baselineMiB, growthMiB: judged.growthMiB, reason: judged.reason,
  };
}
