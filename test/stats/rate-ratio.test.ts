// The outbound-call count test: two rates from windowed counts with exposure, its dispersion, and its
// error rates under the null with Poisson, bursty and strictly one-per-request counts.
import { describe, expect, it } from 'vitest';
import { rateRatioTest } from '../../src/stats/rate-ratio.ts';
import { seededRandom } from './random.ts';

function poisson(random: () => number, mean: number): number {
  // Knuth for small means, a normal approximation above (enough for a simulation).
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

describe('rateRatioTest', () => {
  it('a new call, one per request on head and none on base, is certain, with an unbounded ratio', () => {
    const exposure = [40, 42, 39, 41, 40, 38, 43, 40, 41];
    const r = rateRatioTest({ events: exposure.map(() => 0), exposure }, { events: exposure, exposure });
    expect(r.rateBase).toBe(0);
    expect(r.rateHead).toBe(1);
    expect(r.ratio).toBe(Infinity);
    expect(r.p).toBeLessThan(1e-50);
    expect(r.ci![0]).toBeGreaterThan(10);
    expect(r.ci![1]).toBe(Infinity);
  });

  it('the same call rate on both sides is no evidence at all', () => {
    const exposure = [40, 42, 39, 41, 40, 38, 43, 40, 41];
    const r = rateRatioTest({ events: exposure, exposure }, { events: exposure.map((x) => 2 * x), exposure: exposure.map((x) => 2 * x) });
    expect(r.ratio).toBeCloseTo(1, 12);
    expect(r.p).toBe(1);
    expect(r.dispersion).toBe(1);
  });

  it('nothing on either side: p = 1 and no ratio', () => {
    const r = rateRatioTest({ events: [0, 0], exposure: [10, 10] }, { events: [0, 0], exposure: [10, 10] });
    expect(r.ratio).toBeNull();
    expect(r.p).toBe(1);
  });

  it('bursty counts widen the test (dispersion above 1) so a burst alone is not a change', () => {
    const exposure = [100, 100, 100, 100, 100, 100];
    const r = rateRatioTest({ events: [30, 0, 0, 0, 0, 0], exposure }, { events: [0, 0, 0, 25, 0, 15], exposure });
    expect(r.dispersion).toBeGreaterThan(5);
    expect(r.p).toBeGreaterThan(0.1);
  });

  it('needs exposure on both sides', () => {
    expect(() => rateRatioTest({ events: [1], exposure: [0] }, { events: [1], exposure: [5] })).toThrow(RangeError);
  });

  it('holds its level under the null: Poisson and bursty calls, 2000 simulated pairs each', () => {
    const random = seededRandom(14);
    for (const burst of [1, 8]) {
      let rejected = 0;
      const runs = 2000;
      for (let r = 0; r < runs; r++) {
        const side = () => {
          const exposure = Array.from({ length: 9 }, () => 30 + Math.floor(random() * 20));
          // Calls come in bursts of `burst`: a pool refilling, a retry storm.
          const events = exposure.map((x) => burst * poisson(random, (0.3 * x) / burst));
          return { events, exposure };
        };
        if (rateRatioTest(side(), side()).p < 0.01) rejected++;
      }
      // 1% nominal; the dispersion estimate from 16 degrees of freedom is noisy, so allow up to 2.5%.
      expect(rejected / runs, `burst ${burst}`).toBeLessThan(0.025);
    }
  });

  it('finds a doubled call rate', () => {
    const random = seededRandom(5);
    let found = 0;
    for (let r = 0; r < 200; r++) {
      const exposure = Array.from({ length: 9 }, () => 40);
      const base = { events: exposure.map((x) => poisson(random, 0.5 * x)), exposure };
      const head = { events: exposure.map((x) => poisson(random, 1.0 * x)), exposure };
      if (rateRatioTest(base, head).p < 0.01) found++;
    }
    expect(found).toBe(200);
  });
});
