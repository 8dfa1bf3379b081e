import { describe, expect, it } from 'vitest';
import { coefficientOfVariation } from '../../src/stats/index.ts';
import { normalSource, seededRandom } from './random.ts';

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
