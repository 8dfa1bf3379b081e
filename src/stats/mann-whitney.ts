// Mann-Whitney U test, two-sided, matching SciPy's `scipy.stats.mannwhitneyu` (checked against 1.10):
//  - method 'exact'  = mannwhitneyu(x, y, method='exact'):  p = 2·P(U >= max(U1, U2)), capped at 1;
//  - method 'normal' = mannwhitneyu(x, y, method='asymptotic', use_continuity=True): tie-corrected
//    variance and a 0.5 continuity correction.
// Our automatic choice differs from SciPy's 'auto' (which goes asymptotic as soon as both sides exceed 8):
// we use the exact distribution whenever there are no ties and n1·n2 <= 400, because at our typical
// 10 runs a side the exact p-value is cheap and the normal one is visibly off in the tail.

import { averageRanks, assertFinite } from './ranks.ts';
import { normalSf } from './normal.ts';

export type TestMethod = 'exact' | 'normal';

export interface MannWhitneyResult {
  /** U statistic of x: the number of pairs (xi, yj) with xi > yj, ties counted 1/2. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: TestMethod;
}

export interface MannWhitneyOptions {
  /** 'auto' (default): exact when there are no ties and n1·n2 <= EXACT_MAX_CELLS, else normal. */
  method?: 'auto' | TestMethod;
  /** Continuity correction for the normal approximation (default true, as SciPy). */
  continuity?: boolean;
}

/** Largest n1·n2 for which the automatic choice uses the exact distribution. */
export const EXACT_MAX_CELLS = 400;

const distributionCache = new Map<string, Float64Array>();

/**
 * Null distribution of U for sample sizes m and n (no ties): element k is P(U = k), k = 0..m·n.
 * Built from the recurrence f(m, n, k) = f(m-1, n, k-n) + f(m, n-1, k) on arrangement counts
 * (the last of the m+n ordered values is either a y, adding nothing, or an x above all n y's).
 * Counts stay exact integers in doubles while C(m+n, m) < 2^53, which covers every size we use exactly.
 * Memoized per (m, n): distributions are immutable once built.
 */
export function mannWhitneyDistribution(m: number, n: number): Float64Array {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || n < 1) {
    throw new RangeError(`sample sizes must be positive integers, got ${m} and ${n}`);
  }
  const a = Math.min(m, n);
  const b = Math.max(m, n); // the distribution is symmetric in (m, n)
  const key = `${a},${b}`;
  const cached = distributionCache.get(key);
  if (cached) return cached;
  // row[j] holds the count polynomial for (i, j) as we sweep i = 0..a.
  let prev: Float64Array[] = Array.from({ length: b + 1 }, () => Float64Array.of(1)); // i = 0: one arrangement, U = 0
  for (let i = 1; i <= a; i++) {
    const cur: Float64Array[] = new Array(b + 1);
    cur[0] = Float64Array.of(1); // no y's: U = 0
    for (let j = 1; j <= b; j++) {
      const poly = new Float64Array(i * j + 1);
      const withX = prev[j]; // last value is an x: contributes j to U
      for (let k = 0; k < withX.length; k++) poly[k + j] += withX[k];
      const withY = cur[j - 1]; // last value is a y: contributes 0
      for (let k = 0; k < withY.length; k++) poly[k] += withY[k];
      cur[j] = poly;
    }
    prev = cur;
  }
  const counts = prev[b];
  let total = 0;
  for (const c of counts) total += c;
  // C(m+n, m) overflows a double beyond about 1000 values a side: only a forced 'exact' can get here.
  if (!Number.isFinite(total)) throw new RangeError(`exact Mann-Whitney distribution too large for ${m} x ${n}; use the normal method`);
  const pmf = counts.map((c) => c / total);
  distributionCache.set(key, pmf);
  return pmf;
}

/** P(U <= k) under the null for sizes m, n (no ties). */
export function mannWhitneyCdf(k: number, m: number, n: number): number {
  const pmf = mannWhitneyDistribution(m, n);
  if (k < 0) return 0;
  const top = Math.min(Math.floor(k), pmf.length - 1);
  // Callers ask for the lower tail (upper tails via symmetry), so small p-values are sums of small terms.
  let s = 0;
  for (let i = 0; i <= top; i++) s += pmf[i];
  return Math.min(1, s);
}

/** True when the combined sample has any repeated value. */
function hasTies(values: readonly number[]): boolean {
  return new Set(values).size !== values.length;
}

/**
 * Two-sided Mann-Whitney U test of x against y. `u` is U of x (SciPy's `statistic`).
 * Throws a RangeError on empty or non-finite input.
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  if (x.length === 0 || y.length === 0) throw new RangeError('mannWhitneyU needs at least one value on each side');
  assertFinite(x, 'x');
  assertFinite(y, 'y');
  const n1 = x.length;
  const n2 = y.length;
  const all = [...x, ...y];
  const ties = hasTies(all);
  let method: TestMethod;
  if (options.method === 'exact') {
    if (ties) throw new RangeError('the exact Mann-Whitney distribution does not hold with ties; use the normal method');
    method = 'exact';
  } else if (options.method === 'normal') {
    method = 'normal';
  } else {
    method = !ties && n1 * n2 <= EXACT_MAX_CELLS ? 'exact' : 'normal';
  }

  const { ranks, tieGroups } = averageRanks(all);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const uMax = Math.max(u1, u2);

  let p: number;
  if (method === 'exact') {
    // P(U >= uMax) = P(U <= n1·n2 - uMax) by symmetry.
    p = 2 * mannWhitneyCdf(n1 * n2 - uMax, n1, n2);
  } else {
    const n = n1 + n2;
    let tieTerm = 0;
    for (const t of tieGroups) tieTerm += t * t * t - t;
    const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
    let numerator = uMax - (n1 * n2) / 2;
    if (options.continuity ?? true) numerator -= 0.5;
    // All values equal: sd = 0 and there is no evidence of a difference at all.
    p = sd === 0 ? 1 : 2 * normalSf(numerator / sd);
  }
  return { u: u1, p: Math.min(1, Math.max(0, p)), method };
}
