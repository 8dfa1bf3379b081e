import { describe, expect, it } from 'vitest';
import { mannWhitneyCdf, mannWhitneyDistribution, mannWhitneyU } from '../../src/stats/index.ts';
import { expectClose, reference } from './helpers.ts';
import type { Json } from './helpers.ts';

describe('mannWhitneyU against SciPy mannwhitneyu', () => {
  for (const c of reference.mannWhitney as Json[]) {
    it(`${c.name}`, () => {
      const normal = mannWhitneyU(c.x, c.y, { method: 'normal' });
      expect(normal.method).toBe('normal');
      expectClose(normal.u, c.normal.u, 1e-9, 1e-9, 'U');
      expectClose(normal.p, c.normal.p, 1e-6, 1e-12, 'normal p');
      if (c.exact) {
        const exact = mannWhitneyU(c.x, c.y, { method: 'exact' });
        expectClose(exact.u, c.exact.u, 1e-9, 1e-9, 'U');
        expectClose(exact.p, c.exact.p, 1e-6, 1e-12, 'exact p');
      } else {
        expect(() => mannWhitneyU(c.x, c.y, { method: 'exact' })).toThrow(/ties/);
      }
      const auto = mannWhitneyU(c.x, c.y);
      expect(auto.method).toBe(c.autoMethod);
      expect(auto.p).toBe(auto.method === 'exact' ? mannWhitneyU(c.x, c.y, { method: 'exact' }).p : normal.p);
    });
  }
});

describe('mannWhitneyU behaviour', () => {
  it('cannot reach p < 0.05 with 3 runs a side, can with 4 (METHODS.md)', () => {
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6]).p).toBeCloseTo(0.1, 12);
    expect(mannWhitneyU([1, 2, 3, 4], [5, 6, 7, 8]).p).toBeCloseTo(2 / 70, 12);
  });

  it('swapping the samples mirrors U and keeps p', () => {
    const x = [3.1, 4.7, 2.2, 9.4, 5.5];
    const y = [6.1, 7.3, 5.9, 8.8, 10.2, 4.1];
    const a = mannWhitneyU(x, y);
    const b = mannWhitneyU(y, x);
    expect(a.u + b.u).toBe(x.length * y.length);
    expect(a.p).toBeCloseTo(b.p, 14);
  });

  it('exact distribution sums to 1 and is symmetric', () => {
    const pmf = mannWhitneyDistribution(7, 9);
    expect(pmf.length).toBe(64);
    expect(pmf.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    for (let k = 0; k < pmf.length; k++) expect(pmf[k]).toBeCloseTo(pmf[pmf.length - 1 - k], 15);
    expect(mannWhitneyCdf(63, 7, 9)).toBeCloseTo(1, 12);
    // P(U = 0) is one arrangement out of C(16, 7).
    expect(pmf[0]).toBeCloseTo(1 / 11440, 15);
  });

  it('uses the exact distribution up to 20 x 20 without ties, the normal one above', () => {
    const seq = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i * 1.37);
    expect(mannWhitneyU(seq(20, 0), seq(20, 0.5)).method).toBe('exact');
    expect(mannWhitneyU(seq(21, 0), seq(20, 0.5)).method).toBe('normal');
  });

  it('rejects empty and non-finite input', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
    expect(() => mannWhitneyU([1, NaN], [1])).toThrow(/finite/);
  });
});
