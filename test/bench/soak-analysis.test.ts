// The soak verdict: two trends compared, each judged by the methodology's leak rule; an old leak on both
// sides is not this change's fault, a crash on head is, and a soak too short to judge says so.
import { describe, expect, it } from 'vitest';
import { analyseSoakDifference, analyseSoakSide, soakVerdict, thinSeries } from '../../src/bench/soak-analysis.ts';
import { syntheticSoak } from '../stats/synthetic-soak.ts';

const LONG = { warmupSec: 900, windowSec: 600 };
const ran = { requests: 720_000, failedRequests: 0 };

const side = (leakMiBPerHour: number, seed: number, hours = 8) =>
  analyseSoakSide(syntheticSoak({ hours, baseMiB: 120, leakMiBPerHour, seed }), ran, LONG);

describe('soakVerdict of results stored before the difference test', () => {
  it('calls a leak on head only a regression, and says how fast it grows', () => {
    const base = side(0, 11);
    const head = side(6, 12);
    expect(base.leak).toBe(false);
    expect(head.leak).toBe(true);
    const { verdict, why } = soakVerdict(base, head);
    expect(verdict).toBe('regression');
    expect(why).toMatch(/head's memory grows [56]\.\d MiB\/h/);
  });

  it('calls a leak fixed by head an improvement', () => {
    expect(soakVerdict(side(6, 13), side(0, 14)).verdict).toBe('improvement');
  });

  it('does not blame head for a leak base already has, unless head grows twice as fast', () => {
    const same = soakVerdict(side(6, 15), side(7, 16));
    expect(same.verdict).toBe('unchanged');
    expect(same.why).toMatch(/older than this change/);
    expect(soakVerdict(side(6, 15), side(20, 17)).verdict).toBe('regression');
  });

  it('is unchanged when neither side grows', () => {
    expect(soakVerdict(side(0, 18), side(0, 19))).toEqual({ verdict: 'unchanged', why: "neither side's memory grows" });
  });

  it('is inconclusive when the soak is too short for the windows it needs', () => {
    const short = soakVerdict(side(0, 20, 0.5), side(100, 21, 0.5));
    expect(short.verdict).toBe('inconclusive');
    expect(short.why).toMatch(/too short to judge: only \d windows after the warm-up/);
  });

  it('blames head for a crash, and cannot judge when base crashed', () => {
    const crashed = { ...side(0, 22), crashed: 'FATAL ERROR: heap out of memory' };
    expect(soakVerdict(side(0, 23), crashed).verdict).toBe('regression');
    expect(soakVerdict(crashed, side(0, 24)).verdict).toBe('inconclusive');
  });
});

describe('soakVerdict by the trend of head − base', () => {
  const judge = (baseLeak: number, headLeak: number, seeds: [number, number], hours = 8) => {
    const [b, h] = [syntheticSoak({ hours, baseMiB: 120, leakMiBPerHour: baseLeak, seed: seeds[0] }), syntheticSoak({ hours, baseMiB: 120, leakMiBPerHour: headLeak, seed: seeds[1] })];
    const difference = analyseSoakDifference(b, h, LONG);
    return { difference, ...soakVerdict(analyseSoakSide(b, ran, LONG), analyseSoakSide(h, ran, LONG), difference) };
  };

  it('a leak head brings is a regression, said with the rate of the difference', () => {
    const r = judge(0, 6, [11, 12]);
    expect(r.verdict).toBe('regression');
    expect(r.why).toMatch(/^head's memory grows [4-7]\.\d MiB\/h faster than base's \(head − base, p = .*; base does not grow, head grows/);
  });

  it('a head leaking faster than an old leak is a regression, one leaking at its rate is not', () => {
    expect(judge(6, 14, [15, 16]).verdict).toBe('regression');
    const same = judge(6, 7, [15, 17]);
    expect(same.verdict).toBe('unchanged');
    expect(same.why).toMatch(/older than this change/);
  });

  it('a leak head fixes is an improvement; flat on both sides is unchanged', () => {
    expect(judge(6, 0, [13, 14]).verdict).toBe('improvement');
    expect(judge(0, 0, [18, 19]).verdict).toBe('unchanged');
  });

  it('too few windows: inconclusive, saying why', () => {
    const r = judge(0, 100, [20, 21], 0.5);
    expect(r.verdict).toBe('inconclusive');
    expect(r.why).toMatch(/too short to judge: only \d windows with both sides/);
    expect(JSON.parse(JSON.stringify(r.difference))).toEqual(r.difference);
  });
});

describe('analyseSoakSide', () => {
  it('keeps the load facts and a thinned series for the chart', () => {
    const s = analyseSoakSide(syntheticSoak({ hours: 2, baseMiB: 50, leakMiBPerHour: 0, seed: 25 }), { requests: 10, failedRequests: 2 }, LONG);
    expect(s).toMatchObject({ requests: 10, failedRequests: 2 });
    expect(s.series.length).toBeLessThanOrEqual(120);
    expect(s.series[0][0]).toBe(0);
    expect(s.series.at(-1)![0]).toBeGreaterThan(7000);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s); // no NaN: the result is stored as JSON
  });
});

describe('thinSeries', () => {
  it('keeps the minimum of each stretch, in MiB', () => {
    const samples = [0, 1, 2, 3, 4, 5].map((t) => ({ tSec: t, bytes: (t % 2 ? 10 : 20) * 1024 * 1024 }));
    expect(thinSeries(samples, 3)).toEqual([[1, 10], [3, 10], [5, 10]]);
    expect(thinSeries(samples, 10)).toHaveLength(6);
  });
});
