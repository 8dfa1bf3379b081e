import { describe, expect, it } from 'vitest';
import {
  coefficientOfVariation,
  decideVerdict,
  hodgesLehmannRatio,
  minDetectableChange,
  pairsNeededFor,
} from '../../src/stats/index.ts';
import { normalSource, seededRandom } from './random.ts';

describe('decideVerdict', () => {
  const d = 0.05;
  it('throughput (higher is better)', () => {
    const up = 'higher-is-better' as const;
    expect(decideVerdict({ ratio: 0.9, lo: 0.87, hi: 0.93 }, d, up)).toBe('regression');
    expect(decideVerdict({ ratio: 1.1, lo: 1.07, hi: 1.13 }, d, up)).toBe('improvement');
    expect(decideVerdict({ ratio: 0.99, lo: 0.97, hi: 1.02 }, d, up)).toBe('unchanged');
    // Significant but small: inside the band it is unchanged, straddling the band edge it is unclear.
    expect(decideVerdict({ ratio: 0.98, lo: 0.97, hi: 0.99 }, d, up)).toBe('unchanged');
    expect(decideVerdict({ ratio: 0.97, lo: 0.94, hi: 0.99 }, d, up)).toBe('inconclusive');
    // Large estimate, interval crosses 1: more runs.
    expect(decideVerdict({ ratio: 0.9, lo: 0.8, hi: 1.01 }, d, up)).toBe('inconclusive');
    // Exactly on the threshold counts as passing it.
    expect(decideVerdict({ ratio: 0.95, lo: 0.93, hi: 0.97 }, d, up)).toBe('regression');
  });

  it('latency (lower is better) is the mirror image with the same band', () => {
    const down = 'lower-is-better' as const;
    expect(decideVerdict({ ratio: 1.1, lo: 1.07, hi: 1.13 }, d, down)).toBe('regression');
    expect(decideVerdict({ ratio: 0.9, lo: 0.87, hi: 0.93 }, d, down)).toBe('improvement');
    expect(decideVerdict({ ratio: 1.01, lo: 0.98, hi: 1.04 }, d, down)).toBe('unchanged');
    expect(decideVerdict({ ratio: 1.05, lo: 1.03, hi: 1.07 }, d, down)).toBe('regression');
    expect(decideVerdict({ ratio: 1.049, lo: 1.03, hi: 1.07 }, d, down)).toBe('inconclusive');
  });

  it('an unbounded or broken interval is inconclusive, never unchanged', () => {
    expect(decideVerdict({ ratio: 1, lo: 0, hi: Infinity }, d, 'higher-is-better')).toBe('inconclusive');
    expect(decideVerdict({ ratio: NaN, lo: 0.99, hi: 1.01 }, d, 'higher-is-better')).toBe('inconclusive');
    expect(() => decideVerdict({ ratio: 1, lo: 1, hi: 1 }, -0.1, 'higher-is-better')).toThrow(RangeError);
  });

  it('A/A at 10 runs a side with the 99% rule rarely calls a regression (simulation)', () => {
    const uniform = seededRandom(42);
    const normal = normalSource(uniform);
    // Runs with 2% CV, 10% of them hit by a +30% latency outlier (METHODS.md's scenario).
    const runs = () => Array.from({ length: 10 }, () => 1000 * Math.exp(0.02 * normal()) * (uniform() < 0.1 ? 1.3 : 1));
    const sims = 2000;
    let regressionsAtDelta = 0;
    let regressionsAtZero = 0;
    let unchanged = 0;
    for (let s = 0; s < sims; s++) {
      const est = hodgesLehmannRatio(runs(), runs(), 0.99);
      const atDelta = decideVerdict(est, 0.05, 'lower-is-better');
      if (atDelta === 'regression') regressionsAtDelta++;
      if (atDelta === 'unchanged') unchanged++;
      if (decideVerdict(est, 0, 'lower-is-better') === 'regression') regressionsAtZero++;
    }
    expect(regressionsAtDelta).toBe(0);
    // Even with no practical threshold, the 99% interval alone keeps false regressions near 0.5%.
    expect(regressionsAtZero / sims).toBeLessThan(0.015);
    // With those outliers, 10 runs are often too few to prove "unchanged" at 99%: the rest asks for more runs.
    expect(unchanged / sims).toBeGreaterThan(0.3);
  });

  it('a real 10% slowdown at 10 runs a side is found (simulation)', () => {
    const normal = normalSource(seededRandom(43));
    const runs = (centre: number) => Array.from({ length: 10 }, () => centre * Math.exp(0.02 * normal()));
    let found = 0;
    for (let s = 0; s < 500; s++) {
      if (decideVerdict(hodgesLehmannRatio(runs(1000), runs(1100), 0.99), 0.05, 'lower-is-better') === 'regression') found++;
    }
    expect(found / 500).toBeGreaterThan(0.9);
  });
});

describe('minDetectableChange and pairsNeededFor', () => {
  it('follows 2.8 · cv · √(2/n)', () => {
    expect(minDetectableChange(0.02, 10)).toBeCloseTo(2.8 * 0.02 * Math.sqrt(0.2), 15);
    expect(minDetectableChange(0.02, 0)).toBe(Infinity);
  });

  it('pairsNeededFor is the first n where the detectable change reaches the threshold', () => {
    for (const [cv, threshold] of [[0.02, 0.05], [0.027, 0.02], [0.05, 0.05], [0.01, 0.1], [0.1, 0.03]]) {
      const n = pairsNeededFor(cv, threshold);
      expect(minDetectableChange(cv, n)).toBeLessThanOrEqual(threshold);
      if (n > 1) expect(minDetectableChange(cv, n - 1)).toBeGreaterThan(threshold);
    }
    // CodSpeed's point: 2.7% noise and a 2% gate need far more than a handful of runs.
    expect(pairsNeededFor(0.027, 0.02)).toBe(29);
  });
});

describe('coefficientOfVariation', () => {
  it('estimates the CV of normal-ish runs', () => {
    const normal = normalSource(seededRandom(5));
    const values = Array.from({ length: 2000 }, () => 1000 * (1 + 0.02 * normal()));
    expect(coefficientOfVariation(values)).toBeGreaterThan(0.018);
    expect(coefficientOfVariation(values)).toBeLessThan(0.022);
  });

  it('is not blown up by one outlier in ten runs', () => {
    const runs = [1000, 1010, 990, 1005, 995, 1020, 980, 1002, 998, 1300];
    const cv = coefficientOfVariation(runs);
    expect(cv).toBeLessThan(0.02);
    const mean = runs.reduce((a, b) => a + b) / runs.length;
    const sd = Math.sqrt(runs.reduce((a, b) => a + (b - mean) ** 2, 0) / (runs.length - 1));
    expect(sd / mean).toBeGreaterThan(0.08); // what sd/mean would have said
  });

  it('falls back to sd/mean when most values are equal, and is 0 only when all are', () => {
    expect(coefficientOfVariation([10, 10, 10, 10, 12])).toBeGreaterThan(0);
    expect(coefficientOfVariation([10, 10, 10])).toBe(0);
    expect(coefficientOfVariation([10])).toBeNaN();
  });
});
