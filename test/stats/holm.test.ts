import { describe, expect, it } from 'vitest';
import { holm } from '../../src/stats/index.ts';
import { expectClose, reference } from './helpers.ts';
import type { Json } from './helpers.ts';
import { seededRandom } from './random.ts';

describe('holm against statsmodels multipletests(method="holm")', () => {
  for (const c of reference.holm as Json[]) {
    it(`[${c.p.join(', ')}]`, () => {
      const adjusted = holm(c.p);
      expect(adjusted).toHaveLength(c.adjusted.length);
      adjusted.forEach((a, i) => expectClose(a, c.adjusted[i], 1e-9, 1e-15, `p[${i}]`));
    });
  }
});

describe('holm properties', () => {
  it('keeps input order, never lowers a p-value, caps at 1 and is monotone in p', () => {
    const random = seededRandom(3);
    for (let r = 0; r < 100; r++) {
      const p = Array.from({ length: 1 + (r % 20) }, () => random() ** 3);
      const adjusted = holm(p);
      for (let i = 0; i < p.length; i++) {
        expect(adjusted[i]).toBeGreaterThanOrEqual(p[i]);
        expect(adjusted[i]).toBeLessThanOrEqual(1);
        for (let j = 0; j < p.length; j++) if (p[i] < p[j]) expect(adjusted[i]).toBeLessThanOrEqual(adjusted[j]);
      }
    }
  });

  it('the smallest p is multiplied by the family size', () => {
    expect(holm([0.3, 0.001, 0.2])[1]).toBeCloseTo(0.003, 15);
  });

  it('leaves tests that could not run (NaN) out of the family', () => {
    const adjusted = holm([0.01, NaN, 0.04]);
    expect(adjusted[1]).toBeNaN();
    expect(adjusted[0]).toBeCloseTo(0.02, 15);
    expect(adjusted[2]).toBeCloseTo(0.04, 15);
  });

  it('handles an empty family and rejects out-of-range p-values', () => {
    expect(holm([])).toEqual([]);
    expect(() => holm([0.5, 1.2])).toThrow(RangeError);
  });
});
