// The measuring schedule: alternating pairs in random order, more pairs only while the answer is open and
// only for the scenarios still open, and a hard stop at the maximum.
import { describe, expect, it } from 'vitest';
import { analyseSamples } from '../../src/bench/analysis.ts';
import { extensionPairs, runSchedule, type Side } from '../../src/bench/scheduler.ts';
import { thresholdsSchema } from '../../src/config/schema.ts';
import type { RunSample, ScenarioResult, Verdict } from '../../src/model.ts';
import { seededRandom } from '../stats/random.ts';
import { noiseSource, sample, type NoiseModel } from './synthetic-samples.ts';

const options = { thresholds: thresholdsSchema.parse(undefined), gatedMetrics: ['throughput', 'latency_p50', 'latency_p99', 'cpu_per_request'] as const };
const ITEMS = ['items'];

/** A measure function for a one-scenario app whose head costs `factor` times base. */
function syntheticMeasure(factor: number, noise: NoiseModel, seed: number) {
  const draw = noiseSource(seed, noise);
  const calls: { side: Side; pair: number }[] = [];
  const measure = async (side: Side, pair: number): Promise<RunSample[]> => {
    calls.push({ side, pair });
    return [sample(side, pair, 'items', { cost: side === 'head' ? 2000 * factor : 2000 }, draw())];
  };
  return { measure, calls };
}

const realAnalysis = (samples: RunSample[]) => analyseSamples(['items'], samples, options);

/** An analysis that answers `verdictAt(pairs)` whatever the samples say: for the control flow alone. */
function scripted(verdictAt: (pairs: number) => Verdict) {
  const looks: { pairs: number }[] = [];
  const analyse = (samples: RunSample[]): ScenarioResult[] => {
    const pairs = samples.length / 2;
    looks.push({ pairs });
    return [{ name: 'items', verdict: verdictAt(pairs), pairs, metrics: {}, failedRuns: 0, loadGenBoundRuns: 0 }];
  };
  return { analyse, looks };
}

describe('runSchedule', () => {
  it('runs base and head once per pair, in both orders, each pair complete before the next', async () => {
    const { measure, calls } = syntheticMeasure(1, { cv: 0.02 }, 1);
    const outcome = await runSchedule({ scenarios: ITEMS, minPairs: 10, maxPairs: 10, measure, analyse: realAnalysis, random: seededRandom(4) });
    expect(outcome.pairs).toBe(10);
    expect(calls).toHaveLength(20);
    const orders = new Set<string>();
    for (let pair = 0; pair < 10; pair++) {
      const mine = calls.slice(2 * pair, 2 * pair + 2);
      expect(mine.map((c) => c.pair)).toEqual([pair, pair]);
      expect(mine.map((c) => c.side).sort()).toEqual(['base', 'head']);
      orders.add(mine.map((c) => c.side).join(','));
    }
    // Random order inside pairs, so a slow drift cannot always favour the side measured second.
    expect(orders).toEqual(new Set(['base,head', 'head,base']));
  });

  it('adds pairs while the verdict is inconclusive and stops as soon as it is clear', async () => {
    const { measure } = syntheticMeasure(1, { cv: 0.02 }, 2);
    const { analyse, looks } = scripted((pairs) => (pairs < 14 ? 'inconclusive' : 'unchanged'));
    const outcome = await runSchedule({ scenarios: ITEMS, minPairs: 10, maxPairs: 30, measure, analyse });
    // Looks at 10, then 15 (batches of half the minimum): clear at the second look, no more pairs.
    expect(looks.map((l) => l.pairs)).toEqual([10, 15]);
    expect(outcome.pairs).toBe(15);
    expect(outcome.looks).toBe(2);
    expect(outcome.scenarios[0].verdict).toBe('unchanged');
  });

  it('stops once a scenario is a regression, even while another is still inconclusive', async () => {
    const { measure } = syntheticMeasure(1, { cv: 0.02 }, 11);
    const looks: number[] = [];
    const analyse = (samples: RunSample[]): ScenarioResult[] => {
      const pairs = samples.length / 2;
      looks.push(pairs);
      const scenario = (name: string, verdict: Verdict): ScenarioResult => ({ name, verdict, pairs, metrics: {}, failedRuns: 0, loadGenBoundRuns: 0 });
      return [scenario('items', pairs >= 15 ? 'regression' : 'inconclusive'), scenario('search', 'inconclusive')];
    };
    const outcome = await runSchedule({ scenarios: ['items', 'search'], minPairs: 10, maxPairs: 20, measure, analyse });
    expect(looks).toEqual([10, 15]);
    expect(outcome.scenarios.map((s) => s.verdict)).toEqual(['regression', 'inconclusive']);
  });

  it('stops at the maximum with an honest inconclusive', async () => {
    const { measure, calls } = syntheticMeasure(1, { cv: 0.02 }, 3);
    const { analyse, looks } = scripted(() => 'inconclusive');
    const outcome = await runSchedule({ scenarios: ITEMS, minPairs: 10, maxPairs: 20, measure, analyse });
    expect(looks.map((l) => l.pairs)).toEqual([10, 15, 20]);
    expect(calls).toHaveLength(40);
    expect(outcome.pairs).toBe(20);
    expect(outcome.scenarios[0].verdict).toBe('inconclusive');
  });

  it('a clear regression needs only the minimum; a small change under heavy noise runs to the maximum', async () => {
    const clear = syntheticMeasure(1.3, { cv: 0.03 }, 5);
    const fast = await runSchedule({ scenarios: ITEMS, minPairs: 10, maxPairs: 20, measure: clear.measure, analyse: realAnalysis, random: seededRandom(5) });
    expect(fast.pairs).toBe(10);
    expect(fast.looks).toBe(1);
    expect(fast.scenarios[0].verdict).toBe('regression');

    // 5% under 10% noise on every metric: most 20-pair schedules cannot settle that, and none may call it
    // unchanged. Those that stop early do so because the interval cleared 1 (a regression, rightly).
    const outcomes = [];
    for (let seed = 1; seed <= 20; seed++) {
      const murky = syntheticMeasure(1.05, { cv: 0.1, cpuCv: 0.1 }, 100 + seed);
      outcomes.push(await runSchedule({ scenarios: ITEMS, minPairs: 10, maxPairs: 20, measure: murky.measure, analyse: realAnalysis, random: seededRandom(seed) }));
    }
    for (const o of outcomes) {
      const verdict = o.scenarios[0].verdict;
      expect(verdict).not.toBe('unchanged');
      expect(verdict).not.toBe('improvement');
      if (verdict === 'inconclusive') expect(o.pairs).toBe(20);
      else expect(o.pairs).toBeLessThanOrEqual(20);
    }
    const toMax = outcomes.filter((o) => o.pairs === 20 && o.scenarios[0].verdict === 'inconclusive');
    expect(toMax.length).toBeGreaterThanOrEqual(10);
    for (const o of toMax) {
      // The interval seen is reported, and it still spans the threshold or 1.
      const cpu = o.scenarios[0].metrics.cpu_per_request!;
      expect(cpu.ci[0] < 1.05 && cpu.ci[1] > 1 - 0.05).toBe(true);
      expect(o.looks).toBe(3);
    }
  });

  it('later batches measure only the scenarios that are still open', async () => {
    const measured: string[][] = [];
    const draw = noiseSource(12, { cv: 0.02 });
    const measure = async (side: Side, pair: number, scenarios: readonly string[]): Promise<RunSample[]> => {
      measured.push([...scenarios]);
      return scenarios.map((name) => sample(side, pair, name, { cost: 2000 }, draw()));
    };
    // `search` settles at the first look, `items` only at the second.
    const analyse = (samples: RunSample[]): ScenarioResult[] => {
      const pairsOf = (name: string) => samples.filter((x) => x.scenario === name).length / 2;
      const at = (name: string, verdict: Verdict): ScenarioResult => ({ name, verdict, pairs: pairsOf(name), metrics: {}, failedRuns: 0, loadGenBoundRuns: 0 });
      return [at('items', pairsOf('items') >= 15 ? 'unchanged' : 'inconclusive'), at('search', 'unchanged')];
    };
    const outcome = await runSchedule({ scenarios: ['items', 'search'], minPairs: 10, maxPairs: 15, measure, analyse });
    expect(measured.slice(0, 20).every((s) => s.join() === 'items,search')).toBe(true);
    expect(measured.slice(20).every((s) => s.join() === 'items')).toBe(true);
    expect(measured).toHaveLength(30);
    expect(outcome.scenarios.map((s) => s.pairs)).toEqual([15, 10]);
    expect(outcome.pairs).toBe(15);
  });

  it('stops between pairs when aborted', async () => {
    const controller = new AbortController();
    const { measure, calls } = syntheticMeasure(1, { cv: 0.02 }, 10);
    const run = runSchedule({
      scenarios: ITEMS, minPairs: 10, maxPairs: 20, measure, analyse: realAnalysis, signal: controller.signal,
      onPair: (pair) => pair === 3 && controller.abort(),
    });
    await expect(run).rejects.toThrow();
    expect(calls).toHaveLength(6);
  });
});

describe('runSchedule carrying on from stored samples (a resume)', () => {
  it('measures only the new pairs, numbered after the stored ones, and analyses all of them together', async () => {
    // Three stored pairs of a head 30% more costly: too few to settle it.
    const stored = await runSchedule({ scenarios: ITEMS, minPairs: 3, maxPairs: 3, ...syntheticMeasure(1.3, { cv: 0.02 }, 5), analyse: realAnalysis, random: seededRandom(6) });
    expect(stored.scenarios[0].verdict).toBe('inconclusive');
    const { measure, calls } = syntheticMeasure(1.3, { cv: 0.02 }, 7);
    const outcome = await runSchedule({ scenarios: ITEMS, minPairs: 5, maxPairs: 5, initial: stored.samples, measure, analyse: realAnalysis, random: seededRandom(8) });
    expect(calls.map((c) => c.pair)).toEqual([3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
    expect(outcome.samples.slice(0, stored.samples.length)).toEqual(stored.samples);
    expect(outcome.pairs).toBe(8);
    expect(outcome.scenarios[0]).toMatchObject({ pairs: 8, verdict: 'regression' });
  });

  it('measures nothing when the stored samples settle every scenario already', async () => {
    const stored = await runSchedule({ scenarios: ITEMS, minPairs: 10, maxPairs: 10, ...syntheticMeasure(1, { cv: 0.01 }, 9), analyse: realAnalysis, random: seededRandom(10) });
    expect(stored.scenarios[0].verdict).toBe('unchanged');
    const { measure, calls } = syntheticMeasure(1, { cv: 0.01 }, 11);
    const outcome = await runSchedule({ scenarios: ITEMS, minPairs: 4, maxPairs: 4, initial: stored.samples, measure, analyse: realAnalysis });
    expect(calls).toEqual([]);
    expect(outcome).toMatchObject({ pairs: 10, looks: 0, scenarios: [{ verdict: 'unchanged' }] });
  });

  it('asks for what the open scenarios need when no count is given, within two and the maximum', () => {
    const open = (pairs: number, pairsNeeded?: number): ScenarioResult => ({
      name: 'items', verdict: 'inconclusive', pairs, failedRuns: 0, loadGenBoundRuns: 0,
      metrics: { throughput: { gated: true, verdict: 'inconclusive', ...(pairsNeeded ? { pairsNeeded } : {}) } as never },
    });
    expect(extensionPairs([open(4, 11)], 10, 15)).toBe(7);
    expect(extensionPairs([open(4, 40)], 10, 15)).toBe(15);
    expect(extensionPairs([open(4, 5)], 10, 15)).toBe(2);
    expect(extensionPairs([open(4)], 10, 15)).toBe(5);
  });
});
