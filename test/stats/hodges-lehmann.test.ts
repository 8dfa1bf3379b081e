import { describe, expect, it } from 'vitest';
import { hodgesLehmannRatio, hodgesLehmannShift } from '../../src/stats/index.ts';
import { bound, expectClose, reference } from './helpers.ts';
import { normalSource, seededRandom } from './random.ts';
import type { Json } from './helpers.ts';

describe('hodgesLehmannShift against the reference intervals', () => {
  for (const c of reference.hodgesLehmannShift as Json[]) {
    it(`${c.name} at ${c.confidence}`, () => {
      const r = hodgesLehmannShift(c.x, c.y, c.confidence);
      expect(r.method).toBe(c.method);
      expectClose(r.shift, c.shift, 1e-9, 1e-12, 'shift');
      expect(r.lo).toBeCloseTo(bound(c.lo, 'lo'), 9);
      expect(r.hi).toBeCloseTo(bound(c.hi, 'hi'), 9);
      expectClose(r.coverage, c.coverage, 1e-9, 1e-12, 'coverage');
    });
  }
});

describe('hodgesLehmannRatio against the reference intervals', () => {
  for (const c of reference.hodgesLehmannRatio as Json[]) {
    it(`${c.name} at ${c.confidence}`, () => {
      const r = hodgesLehmannRatio(c.base, c.head, c.confidence);
      expect(r.method).toBe(c.method);
      expectClose(r.ratio, c.ratio, 1e-9, 0, 'ratio');
      expectClose(r.lo, c.lo, 1e-9, 0, 'lo');
      expectClose(r.hi, c.hi, 1e-9, 0, 'hi');
    });
  }
});

describe('hodgesLehmannRatio properties', () => {
  const normal = normalSource(seededRandom(7));
  const runs = (n: number, centre: number, cv: number) => Array.from({ length: n }, () => centre * Math.exp(cv * normal()));

  it('identical samples give ratio 1 with an interval around it', () => {
    const base = runs(10, 5000, 0.02);
    const r = hodgesLehmannRatio(base, [...base]);
    expect(r.ratio).toBeCloseTo(1, 12);
    expect(r.lo).toBeLessThan(1);
    expect(r.hi).toBeGreaterThan(1);
  });

  it('head = 1.3 × base gives ratio 1.3', () => {
    const base = runs(12, 800, 0.03);
    const r = hodgesLehmannRatio(base, base.map((v) => v * 1.3));
    expect(r.ratio).toBeCloseTo(1.3, 10);
    expect(r.lo).toBeLessThan(1.3);
    expect(r.hi).toBeGreaterThan(1.3);
  });

  it('the interval contains the estimate, and widens with the confidence', () => {
    for (let i = 0; i < 200; i++) {
      const n1 = 3 + (i % 15);
      const n2 = 3 + ((i * 7) % 25);
      const base = runs(n1, 100, 0.05);
      const head = runs(n2, 100 * (1 + (i % 5) / 50), 0.05);
      const r95 = hodgesLehmannRatio(base, head, 0.95);
      const r99 = hodgesLehmannRatio(base, head, 0.99);
      expect(r95.lo).toBeLessThanOrEqual(r95.ratio);
      expect(r95.hi).toBeGreaterThanOrEqual(r95.ratio);
      expect(r99.lo).toBeLessThanOrEqual(r95.lo);
      expect(r99.hi).toBeGreaterThanOrEqual(r95.hi);
      expect(r95.coverage).toBeGreaterThanOrEqual(0.95 - 0.01); // normal quantiles are approximate
    }
  });

  it('covers the true ratio at least at the stated level (simulation, 10 v 10, with outliers)', () => {
    const trueRatio = 1.05;
    let covered = 0;
    const sims = 2000;
    for (let i = 0; i < sims; i++) {
      // 10% of runs hit by a +30% outlier on both sides: the shift model still holds on logs.
      const noisy = (centre: number) => runs(10, centre, 0.02).map((v) => (normal() > 1.2816 ? v * 1.3 : v));
      const r = hodgesLehmannRatio(noisy(1000), noisy(1000 * trueRatio), 0.95);
      if (r.lo <= trueRatio && trueRatio <= r.hi) covered++;
    }
    expect(covered / sims).toBeGreaterThan(0.935);
  });

  it('says when the samples are too small for the level: the interval is unbounded', () => {
    const r = hodgesLehmannRatio([1, 2, 3], [4, 5, 6], 0.95);
    expect(r.ratio).toBeCloseTo(Math.exp(Math.log(5) - Math.log(2)), 12);
    expect(r.lo).toBe(0);
    expect(r.hi).toBe(Infinity);
  });

  it('rejects non-positive values and bad confidence levels', () => {
    expect(() => hodgesLehmannRatio([1, 0], [1, 2])).toThrow(/positive/);
    expect(() => hodgesLehmannRatio([1, 2], [1, -2])).toThrow(/head/);
    expect(() => hodgesLehmannShift([1, 2], [3, 4], 1)).toThrow(/confidence/);
  });
});
