import { describe, expect, it } from 'vitest';
import { leakTest, mannKendall, theilSenSlope } from '../../src/stats/index.ts';
import type { MemorySample } from '../../src/stats/index.ts';
import { expectClose, reference } from './helpers.ts';
import type { Json } from './helpers.ts';
import { syntheticSoak } from './synthetic-soak.ts';

describe('theilSenSlope against SciPy theilslopes', () => {
  for (const c of reference.trend as Json[]) {
    it(`${c.name}`, () => {
      const fit = theilSenSlope(c.t, c.y);
      expectClose(fit.slope, c.theilSen.slope, 1e-9, 1e-15, 'slope');
      expectClose(fit.intercept, c.theilSen.intercept, 1e-9, 1e-12, 'intercept');
    });
  }

  it('ignores pairs at the same time and refuses when all times are equal', () => {
    expect(theilSenSlope([0, 0, 1], [1, 5, 3]).slope).toBe(0); // slopes 2 and -2
    expect(() => theilSenSlope([1, 1], [1, 2])).toThrow(/distinct/);
    expect(() => theilSenSlope([1, 2], [1])).toThrow(/same length/);
  });
});

describe('mannKendall against the Python reference (Hamed & Rao 1998)', () => {
  for (const c of (reference.trend as Json[]).filter((t) => t.plain)) {
    it(`${c.name}`, () => {
      for (const [variant, hamedRao] of [['plain', false], ['hamedRao', true]] as const) {
        const r = mannKendall(c.y, { hamedRao });
        const e = c[variant];
        expect(r.s).toBe(e.s);
        expectClose(r.varS, e.varS, 1e-9, 1e-12, `${variant} varS`);
        expectClose(r.varianceFactor, e.varianceFactor, 1e-9, 1e-12, `${variant} factor`);
        expectClose(r.z, e.z, 1e-9, 1e-12, `${variant} z`);
        expectClose(r.p, e.p, 1e-6, 1e-12, `${variant} p`);
        expectClose(r.tau, e.tau, 1e-12, 1e-15, `${variant} tau`);
      }
    });
  }

  it('the correction makes an autocorrelated series with a trend less significant', () => {
    const c = (reference.trend as Json[]).find((t) => t.name === 'AR(1) 0.8 plus trend n=60');
    const plain = mannKendall(c.y);
    const corrected = mannKendall(c.y, { hamedRao: true });
    expect(corrected.varianceFactor).toBeGreaterThan(1);
    expect(corrected.p).toBeGreaterThan(plain.p);
  });

  it('minVarianceFactor keeps the correction from making a series more significant', () => {
    const c = (reference.trend as Json[]).find((t) => t.name === 'trend n=40');
    expect(c.hamedRao.varianceFactor).toBeLessThan(1);
    const floored = mannKendall(c.y, { hamedRao: true, minVarianceFactor: 1 });
    expect(floored.varianceFactor).toBe(1);
    expect(floored.p).toBeCloseTo(c.plain.p, 12);
  });

  it('too short a series is no evidence', () => {
    expect(mannKendall([1, 2]).p).toBe(1);
  });
});

// ---- leakTest on synthetic soaks (test/stats/synthetic-soak.ts).
const MiB = 1024 * 1024;

describe('leakTest', () => {
  it('finds a 3 MiB/h leak in an 8-hour soak and measures its slope', () => {
    const r = leakTest(syntheticSoak({ hours: 8, baseMiB: 120, leakMiBPerHour: 3, seed: 1 }));
    expect(r.leak).toBe(true);
    expect(r.slopeMiBPerHour).toBeGreaterThan(2.5);
    expect(r.slopeMiBPerHour).toBeLessThan(3.5);
    expect(r.p).toBeLessThan(0.01);
    // Warm-up: 10% of 8 h = 48 min dropped; 432 minutes left, in 10-minute windows (the last one partial).
    expect(r.samples).toBe(8 * 360 + 1 - 48 * 6);
    expect(r.windows).toBe(43);
    expect(r.reason).toMatch(/grows/);
  });

  it('raises no alarm on flat memory with GC sawtooth and wander (50 soaks)', () => {
    for (let seed = 100; seed < 150; seed++) {
      const r = leakTest(syntheticSoak({ hours: 8, baseMiB: 120, leakMiBPerHour: 0, seed }));
      expect(r.leak, `seed ${seed}: ${r.reason}`).toBe(false);
    }
  });

  it('drops the warm-up: the longer of 15 minutes and 10% of the soak', () => {
    // Caches filling up: +100 MiB with a 4-minute time constant, then flat.
    const samples = syntheticSoak({ hours: 2, baseMiB: 80, leakMiBPerHour: 0, seed: 7, warmupRiseMiB: 100, warmupTauSec: 240 });
    const r = leakTest(samples);
    expect(r.leak, r.reason).toBe(false);
    expect(r.samples).toBe(2 * 360 + 1 - 15 * 6);
    expect(r.baselineMiB).toBeGreaterThan(175); // measured after the rise, not from the cold start
    const long = leakTest(syntheticSoak({ hours: 10, baseMiB: 80, leakMiBPerHour: 0, seed: 8 }));
    expect(long.samples).toBe(10 * 360 + 1 - 60 * 6);
  });

  it('a real but small trend is not a leak: slope below 2 MiB/h', () => {
    const r = leakTest(syntheticSoak({ hours: 8, baseMiB: 120, leakMiBPerHour: 1, seed: 3 }));
    expect(r.p).toBeLessThan(0.01);
    expect(r.leak).toBe(false);
    expect(r.reason).toMatch(/slope/);
  });

  it('scales the slope bar with the baseline: 5 MiB/h on a 1 GiB process is under 1%/h', () => {
    const r = leakTest(syntheticSoak({ hours: 8, baseMiB: 1024, leakMiBPerHour: 5, seed: 4 }));
    expect(r.slopeMiBPerHour).toBeGreaterThan(4);
    expect(r.leak).toBe(false);
    expect(leakTest(syntheticSoak({ hours: 8, baseMiB: 1024, leakMiBPerHour: 15, seed: 4 })).leak).toBe(true);
  });

  it('needs more than 10 MiB of total growth', () => {
    // 4 MiB/h over 2 hours less warm-up: about 7 MiB.
    const r = leakTest(syntheticSoak({ hours: 2, baseMiB: 100, leakMiBPerHour: 4, seed: 5 }));
    expect(r.slopeMiBPerHour).toBeGreaterThan(2);
    expect(r.growthMiB).toBeLessThan(10);
    expect(r.leak).toBe(false);
  });

  it('takes short windows and warm-ups for short series, in any sample order', () => {
    // 10 minutes sampled every second, growing 600 MiB/h = 10 MiB/min.
    const samples: MemorySample[] = [];
    for (let t = 0; t < 600; t++) samples.push({ tSec: t, bytes: (50 + t / 6 + (t % 7)) * MiB });
    samples.reverse();
    const r = leakTest(samples, { warmupMinSec: 60, windowSec: 30 });
    expect(r.leak).toBe(true);
    expect(r.windows).toBe(18);
    expect(r.slopeMiBPerHour).toBeGreaterThan(550);
    expect(r.slopeMiBPerHour).toBeLessThan(650);
  });

  it('gives no verdict with too few windows', () => {
    const r = leakTest(syntheticSoak({ hours: 0.5, baseMiB: 100, leakMiBPerHour: 100, seed: 6 }));
    expect(r.leak).toBe(false);
    expect(r.p).toBe(1);
    expect(r.reason).toMatch(/windows/);
    expect(leakTest([]).reason).toBe('no samples');
  });
});
