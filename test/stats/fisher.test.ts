import { describe, expect, it } from 'vitest';
import { fisherExactGreater } from '../../src/stats/index.ts';
import { expectClose } from './helpers.ts';

describe('fisherExactGreater', () => {
  it('matches SciPy fisher_exact(alternative="greater") on small tables', () => {
    // 5 of 10 head runs failed, none of 10 base runs: C(10,5)·C(10,0)/C(20,5) = 252/15504.
    expectClose(fisherExactGreater(5, 10, 0, 10), 252 / 15504, 1e-12, 0, '5/10 vs 0/10');
    // 10 of 10 against 1 of 10: P(X >= 10) with 11 failures in 20 = C(10,10)·C(10,1)/C(20,11).
    expectClose(fisherExactGreater(10, 10, 1, 10), 10 / 167960, 1e-12, 0, '10/10 vs 1/10');
    // 6/10 vs 1/10: (C(10,6)C(10,1) + C(10,7)C(10,0)) / C(20,7) = (2100 + 120) / 77520.
    expectClose(fisherExactGreater(6, 10, 1, 10), 2220 / 77520, 1e-12, 0, '6/10 vs 1/10');
  });

  it('is 1 when the first group fails no more than expected, and checks its input', () => {
    expect(fisherExactGreater(0, 10, 0, 10)).toBe(1);
    expect(fisherExactGreater(0, 10, 5, 10)).toBeCloseTo(1, 12);
    expect(() => fisherExactGreater(11, 10, 0, 10)).toThrow(RangeError);
    expect(() => fisherExactGreater(1.5, 10, 0, 10)).toThrow(RangeError);
  });
});
