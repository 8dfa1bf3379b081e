import { describe, expect, it } from 'vitest';
import {
  hodgesLehmannOneSample,
  hodgesLehmannRatio,
  pairedRatio,
  signedRankDistribution,
  wilcoxonSignedRank,
} from '../../src/stats/index.ts';
import { bound, expectClose, reference } from './helpers.ts';
import type { Json } from './helpers.ts';
import { normalSource, seededRandom } from './random.ts';

describe('wilcoxonSignedRank against SciPy wilcoxon', () => {
  for (const c of reference.wilcoxon as Json[]) {
    it(`${c.name}`, () => {
      const normal = wilcoxonSignedRank(c.d, { method: 'normal' });
      expectClose(normal.w, c.normal.w, 1e-9, 1e-9, 'W');
      expectClose(normal.p, c.normal.p, 1e-6, 1e-12, 'normal p');
      const corrected = wilcoxonSignedRank(c.d, { method: 'normal', continuity: true });
      expectClose(corrected.p, c.normalContinuity.p, 1e-6, 1e-12, 'continuity p');
      if (c.exact) {
        const exact = wilcoxonSignedRank(c.d, { method: 'exact' });
        expectClose(exact.w, c.exact.w, 1e-9, 1e-9, 'W');
        expectClose(exact.p, c.exact.p, 1e-6, 1e-12, 'exact p');
      } else {
        expect(() => wilcoxonSignedRank(c.d, { method: 'exact' })).toThrow(/zeros or ties/);
      }
      expect(wilcoxonSignedRank(c.d).method).toBe(c.autoMethod);
    });
  }
});

describe('wilcoxonSignedRank behaviour', () => {
  it('drops zero differences before ranking', () => {
    const r = wilcoxonSignedRank([0, 0, 1.5, -0.5, 2.5, 3.5]);
    expect(r.n).toBe(4);
    expect(r.rPlus).toBe(2 + 3 + 4);
    expect(r.method).toBe('normal');
  });

  it('all-zero differences: no evidence of a change', () => {
    expect(wilcoxonSignedRank([0, 0, 0])).toMatchObject({ w: 0, n: 0, p: 1 });
  });

  it('the exact distribution is symmetric and sums to 1', () => {
    const pmf = signedRankDistribution(12);
    expect(pmf.length).toBe(79);
    expect(pmf.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(pmf[0]).toBe(1 / 4096);
    for (let t = 0; t < pmf.length; t++) expect(pmf[t]).toBeCloseTo(pmf[pmf.length - 1 - t], 15);
  });

  it('5 positive differences give the smallest possible p, 2/32', () => {
    expect(wilcoxonSignedRank([1, 2, 3, 4, 5]).p).toBeCloseTo(1 / 16, 14);
  });
});

describe('hodgesLehmannOneSample against the reference intervals', () => {
  for (const c of reference.hodgesLehmannOneSample as Json[]) {
    it(`${c.name} at ${c.confidence}`, () => {
      const r = hodgesLehmannOneSample(c.d, c.confidence);
      expect(r.method).toBe(c.method);
      expectClose(r.estimate, c.estimate, 1e-9, 1e-12, 'estimate');
      expect(r.lo).toBeCloseTo(bound(c.lo, 'lo'), 9);
      expect(r.hi).toBeCloseTo(bound(c.hi, 'hi'), 9);
      expectClose(r.coverage, c.coverage, 1e-9, 1e-12, 'coverage');
    });
  }
});

describe('pairedRatio', () => {
  for (const c of reference.pairedRatio as Json[]) {
    it(`matches the reference: ${c.name} at ${c.confidence}`, () => {
      const r = pairedRatio(c.base, c.head, c.confidence);
      expectClose(r.ratio, c.ratio, 1e-9, 0, 'ratio');
      expectClose(r.lo, c.lo, 1e-9, 0, 'lo');
      expectClose(r.hi, c.hi, 1e-9, 0, 'hi');
    });
  }

  const normal = normalSource(seededRandom(11));
  const runs = (n: number) => Array.from({ length: n }, () => 1000 * Math.exp(0.02 * normal()));

  it('identical pairs give ratio 1', () => {
    const base = runs(10);
    expect(pairedRatio(base, [...base])).toMatchObject({ ratio: 1, lo: 1, hi: 1 });
  });

  it('head = 1.3 × base gives ratio 1.3', () => {
    const base = runs(10);
    const r = pairedRatio(base, base.map((v) => v * 1.3));
    expect(r.ratio).toBeCloseTo(1.3, 10);
    expect(r.lo).toBeCloseTo(1.3, 10);
    expect(r.hi).toBeCloseTo(1.3, 10);
  });

  it('the interval contains the estimate', () => {
    for (let i = 0; i < 200; i++) {
      const n = 2 + (i % 30);
      const base = runs(n);
      const head = runs(n).map((v) => v * (1 + (i % 4) / 40));
      const r = pairedRatio(base, head, 0.95);
      expect(r.lo).toBeLessThanOrEqual(r.ratio);
      expect(r.hi).toBeGreaterThanOrEqual(r.ratio);
    }
  });

  it('cancels a slow drift across the session: far tighter than the unpaired interval', () => {
    // The machine slows down 6% over the session; base and head alternate in a random order per pair.
    const uniform = seededRandom(13);
    const noise = normalSource(uniform);
    const simulate = (change: number, sims: number) => {
      let pairedCovers = 0;
      let pairedDetects = 0;
      let unpairedDetects = 0;
      for (let s = 0; s < sims; s++) {
        const n = 10;
        const drift = (slot: number) => 1 - (0.06 * slot) / n;
        const base: number[] = [];
        const head: number[] = [];
        for (let i = 0; i < n; i++) {
          const headFirst = uniform() < 0.5;
          base.push(1000 * drift(i + (headFirst ? 0.5 : 0)) * Math.exp(0.005 * noise()));
          head.push(1000 * change * drift(i + (headFirst ? 0 : 0.5)) * Math.exp(0.005 * noise()));
        }
        const paired = pairedRatio(base, head, 0.95);
        const unpaired = hodgesLehmannRatio(base, head, 0.95);
        if (paired.lo <= change && change <= paired.hi) pairedCovers++;
        if (paired.hi < 1 || paired.lo > 1) pairedDetects++;
        if (unpaired.hi < 1 || unpaired.lo > 1) unpairedDetects++;
      }
      return { covers: pairedCovers / sims, paired: pairedDetects / sims, unpaired: unpairedDetects / sims };
    };
    const aa = simulate(1, 500);
    expect(aa.covers).toBeGreaterThan(0.92);
    const slower = simulate(0.98, 500);
    expect(slower.covers).toBeGreaterThan(0.92);
    // A 2% slowdown under 6% drift: pairing finds it nearly always, the unpaired interval about half the time.
    expect(slower.paired).toBeGreaterThan(0.95);
    expect(slower.unpaired).toBeLessThan(0.75);
  });

  it('rejects pairs of unequal length and non-positive values', () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow(/as many/);
    expect(() => pairedRatio([1, 0], [1, 2])).toThrow(/positive/);
  });
});
