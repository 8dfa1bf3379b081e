// The whole sequential schedule of a default compare, simulated: two scenarios, the four default gated
// metrics, looks at 8, 12 and 15 pairs (only still-open scenarios measured after the first), the real
// analysis. What a user must be able to trust: A/A false alarms within 2% on quiet and shared machines,
// a harmless +2% never called, +10% always found, a 5% change found most of the time, A/A mostly decided.
import { describe, expect, it } from 'vitest';
import { analyseSamples, overallVerdict } from '../../src/bench/analysis.ts';
import { runSchedule, type Side } from '../../src/bench/scheduler.ts';
import { thresholdsSchema } from '../../src/config/schema.ts';
import type { RunSample, Verdict } from '../../src/model.ts';
import { seededRandom } from '../stats/random.ts';
import { noiseSource, sample, type NoiseModel } from './synthetic-samples.ts';

const SCENARIOS = ['items', 'search'];
const options = { thresholds: thresholdsSchema.parse(undefined), gatedMetrics: ['throughput', 'latency_p50', 'latency_p99', 'cpu_per_request'] as const };

/** Runs `jobs` default schedules where head's `items` costs `factor` times base's; `search` never changes. */
async function simulate(factor: number, noise: NoiseModel, jobs: number, seed: number) {
  const verdicts: Record<Verdict, number> = { regression: 0, improvement: 0, 'below-threshold': 0, unchanged: 0, inconclusive: 0 };
  const itemsRegression = { count: 0 };
  let pairs = 0;
  let wrongScenario = 0;
  for (let job = 0; job < jobs; job++) {
    const draw = noiseSource(seed * 100_003 + job, noise);
    // Noise that outlasts a pair: one factor per pair, shared by both its runs (a drifting machine).
    const drift = noiseSource(seed * 100_003 + job + 50_000, { cv: noise.pairCv ?? 0, cpuCv: noise.pairCv ?? 0, tailCv: 0 });
    const pairFactor = new Map<number, { wall: number; cpu: number }>();
    const shared = (pair: number) => {
      if (!pairFactor.has(pair)) pairFactor.set(pair, noise.pairCv ? drift() : { wall: 1, cpu: 1 });
      return pairFactor.get(pair)!;
    };
    const measure = async (side: Side, pair: number, scenarios: readonly string[]): Promise<RunSample[]> =>
      scenarios.map((name) => {
        const n = draw();
        const p = shared(pair);
        return sample(side, pair, name, { cost: name === 'items' ? (side === 'head' ? 2000 * factor : 2000) : 1500 }, { wall: n.wall * p.wall, cpu: n.cpu * p.cpu, tail: n.tail });
      });
    const outcome = await runSchedule({
      scenarios: SCENARIOS, minPairs: 8, maxPairs: 15, measure, random: seededRandom(seed + job),
      analyse: (samples) => analyseSamples(SCENARIOS, samples, options),
    });
    verdicts[overallVerdict(outcome.scenarios)]++;
    if (outcome.scenarios[0].verdict === 'regression') itemsRegression.count++;
    // The untouched scenario is never the one blamed.
    if (outcome.scenarios[1].verdict === 'regression') wrongScenario++;
    pairs += outcome.pairs;
    expect([8, 12, 15]).toContain(outcome.pairs);
  }
  return { verdicts, itemsRegression: itemsRegression.count / jobs, wrongScenario, meanPairs: pairs / jobs, rate: (v: Verdict) => verdicts[v] / jobs };
}

const QUIET: NoiseModel = { cv: 0.02, cpuCv: 0.02, tailCv: 0.025 };
const SHARED: NoiseModel = { cv: 0.03, cpuCv: 0.02, outlierRate: 0.1, outlierFactor: 1.3 };
const BUSY: NoiseModel = { cv: 0.06, cpuCv: 0.03, tailCv: 0.08, outlierRate: 0.15, outlierFactor: 1.4 };
/** What the json-server compares showed: 2–3% between the runs of a pair, the machine drifting 8% across pairs. */
const DRIFTING: NoiseModel = { cv: 0.025, cpuCv: 0.025, tailCv: 0.05, pairCv: 0.08 };

describe('the default sequential gate (simulation, looks at 8, 12 and 15 pairs)', () => {
  it('A/A false alarms stay within 2% on a quiet, a shared, a busy and a drifting machine', async () => {
    // Enough jobs that a rate near 1% is told from 2% (on the busy machine it is about 1.65%: ±0.16% at 6,000; 1.1% with looks at 10 and 15 only).
    for (const [name, noise, jobs] of [['quiet', QUIET, 600], ['shared', SHARED, 1000], ['busy', BUSY, 6000], ['drifting', DRIFTING, 600]] as const) {
      const aa = await simulate(1, noise, jobs, 1);
      if (process.env.BUMPBENCH_PRINT_FIGURES) console.log(name, JSON.stringify(aa.verdicts), aa.meanPairs);
      expect(aa.rate('regression'), `${name}: ${JSON.stringify(aa.verdicts)}`).toBeLessThanOrEqual(0.02);
    }
  });

  it('A/A on a quiet machine is decided (not "cannot tell") in at least 95% of jobs, nearly all at the first look', async () => {
    const aa = await simulate(1, QUIET, 400, 2);
    expect(aa.rate('unchanged') + aa.rate('below-threshold')).toBeGreaterThanOrEqual(0.95);
    expect(aa.meanPairs).toBeLessThan(8.5);
  });

  it('on a drifting machine the pairs decide: A/A mostly decided, +10% always found', async () => {
    // Runs of one side differ by ~12% here: all runs of each side taken together could settle almost nothing.
    const aa = await simulate(1, DRIFTING, 300, 6);
    expect(aa.rate('unchanged') + aa.rate('below-threshold')).toBeGreaterThanOrEqual(0.8);
    const large = await simulate(1.1, DRIFTING, 200, 7);
    expect(large.itemsRegression).toBe(1);
    expect(large.wrongScenario).toBe(0);
  });

  it('a harmless +2% is called a regression in about 1 job in 100 at most; +10% always is, at the first look', async () => {
    // At +2% the runs can still come out 4–5% worse by chance, about 1 job in 100 with these looks
    // (0.7% with looks at 10 and 15 only: 3,000 simulated jobs each).
    const small = await simulate(1.02, QUIET, 1500, 3);
    expect(small.rate('regression')).toBeLessThanOrEqual(0.015);
    const large = await simulate(1.1, QUIET, 200, 4);
    expect(large.itemsRegression).toBe(1);
    expect(large.meanPairs).toBe(8);
    expect(large.wrongScenario).toBe(0);
  });

  it('a change of δ (+5%) is called a regression in at least 95% of jobs on a quiet machine, and one just under it (+4.8%) in about 9 of 10', async () => {
    const at = await simulate(1.05, QUIET, 400, 8);
    expect(at.itemsRegression).toBeGreaterThanOrEqual(0.95);
    expect(at.wrongScenario).toBe(0);
    const near = await simulate(1.048, QUIET, 400, 5);
    expect(near.itemsRegression).toBeGreaterThanOrEqual(0.88);
    expect(near.wrongScenario).toBe(0);
  });
});
