// The verdicts of a compare from synthetic, seeded runs: what a user must be able to trust.
import { describe, expect, it } from 'vitest';
import { analyseSamples, mayBeWorse, overallVerdict, type AnalysisOptions } from '../../src/bench/analysis.ts';
import { thresholdsSchema } from '../../src/config/schema.ts';
import type { MetricName, RunSample } from '../../src/model.ts';
import { same, sample, slower, syntheticSamples } from './synthetic-samples.ts';

const GATED: MetricName[] = ['throughput', 'latency_p50', 'latency_p99', 'cpu_per_request'];
const defaults: AnalysisOptions = { thresholds: thresholdsSchema.parse(undefined), gatedMetrics: GATED };

describe('analyseSamples', () => {
  const aaVerdicts = (jobs: number, pairs: number, noise: Parameters<typeof syntheticSamples>[0]['noise']) => {
    const verdicts = { regression: 0, improvement: 0, 'below-threshold': 0, unchanged: 0, inconclusive: 0 };
    for (let seed = 1; seed <= jobs; seed++) {
      const samples = syntheticSamples({ pairs, seed, noise, scenarios: { items: same(2000), search: same(1500) } });
      const results = analyseSamples(['items', 'search'], samples, defaults);
      // Count a job once per wrong call: any scenario called a regression (or an improvement) is a false alarm.
      if (results.some((r) => r.verdict === 'regression')) verdicts.regression++;
      else if (results.some((r) => r.verdict === 'improvement')) verdicts.improvement++;
      else verdicts[overallVerdict(results)]++;
    }
    return verdicts;
  };

  it('A/A: run-to-run noise is never called a regression (300 seeded jobs of 10 and of 20 pairs)', () => {
    // 3% on the clock, 1% on CPU, 6% more on the p99 tail: a quiet machine.
    for (const pairs of [10, 20]) {
      const verdicts = aaVerdicts(300, pairs, { cv: 0.03 });
      expect(verdicts.regression).toBe(0);
      expect(verdicts.improvement).toBe(0);
    }
    // Not a method that never says anything: most A/A jobs are decided "unchanged" at the first look.
    expect(aaVerdicts(300, 10, { cv: 0.03 }).unchanged).toBeGreaterThan(200);
  });

  it('A/A on a shared machine: 1 run in 10 slowed 30% by a neighbour gives at most 1% false alarms (400 jobs)', () => {
    // Independent outliers can pile up on one side by chance (4 of 10 base runs, none of head); no test
    // on 10 runs a side can tell that from a change, so the rate is small but not zero. Bursty contention
    // that spans a pair is what alternating pairs cancel; this is the harder, independent kind.
    const verdicts = aaVerdicts(400, 10, { cv: 0.03, outlierRate: 0.1, outlierFactor: 1.3 });
    expect(verdicts.regression + verdicts.improvement).toBeLessThanOrEqual(4);
    const atMax = aaVerdicts(400, 20, { cv: 0.03, outlierRate: 0.1, outlierFactor: 1.3 });
    expect(atMax.regression + atMax.improvement).toBeLessThanOrEqual(4);
  });

  it('noise that outlasts a pair (8% per pair, shared by both runs) cancels in the per-pair ratios: decided, no false alarm, +10% found', () => {
    const noise = { cv: 0.02, cpuCv: 0.015, pairCv: 0.08 };
    let aaDecided = 0;
    let falseAlarms = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const results = analyseSamples(['items', 'search'], syntheticSamples({ pairs: 12, seed, noise, scenarios: { items: same(2000), search: same(1500) } }), defaults);
      if (results.some((r) => r.verdict === 'regression' || r.verdict === 'improvement')) falseAlarms++;
      if (results.every((r) => r.verdict === 'unchanged' || r.verdict === 'below-threshold')) aaDecided++;
      // The evidence came from the pairs, and says so.
      expect(results[0].metrics.cpu_per_request!.paired).toBe(12);
    }
    expect(falseAlarms).toBe(0);
    // Two runs of one side differ by ~11% here: all runs of each side together could decide almost none.
    expect(aaDecided).toBeGreaterThan(150);
    let found = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const results = analyseSamples(['items'], syntheticSamples({ pairs: 12, seed, noise, scenarios: { items: slower(2000, 1.1) } }), defaults);
      if (results[0].verdict === 'regression') found++;
    }
    expect(found).toBeGreaterThanOrEqual(95);
  });

  it('too few complete pairs, or runs whose pairs do not line up, are judged on all runs of each side', () => {
    const samples = syntheticSamples({ pairs: 12, seed: 3, noise: { cv: 0.03 }, scenarios: { items: same(2000) } });
    // A failed head run in 5 of the 12 pairs leaves 7 complete pairs: below the paired minimum.
    const broken = samples.map((s) => (s.side === 'head' && s.pair % 2 === 0 && s.pair < 10 ? { ...s, ok: false, failure: 'x' } : s));
    const [result] = analyseSamples(['items'], broken, defaults);
    expect(result.metrics.cpu_per_request!.paired).toBeUndefined();
    expect(result.pairs).toBe(7);
  });

  it('a 30% CPU increase is a regression on every gated metric that follows it, and the other scenario is left alone', () => {
    const samples = syntheticSamples({
      pairs: 10, seed: 7, noise: { cv: 0.03 },
      scenarios: { items: slower(2000, 1.3), search: same(1500) },
    });
    const [items, search] = analyseSamples(['items', 'search'], samples, defaults);
    expect(items.verdict).toBe('regression');
    const cpu = items.metrics.cpu_per_request!;
    expect(cpu.verdict).toBe('regression');
    expect(cpu.ratio).toBeGreaterThan(1.25);
    expect(cpu.ratio).toBeLessThan(1.35);
    expect(cpu.ci[0]).toBeGreaterThan(1.05);
    expect(cpu.confidence).toBeCloseTo(0.9, 12);
    expect(cpu.pAdjusted).toBeLessThan(0.01);
    expect(cpu.harmless).toBeCloseTo(0.025, 12);
    expect(items.metrics.throughput!.verdict).toBe('regression');
    expect(items.metrics.throughput!.ratio).toBeLessThan(0.8);
    expect(items.metrics.latency_p50!.verdict).toBe('regression');
    expect(search.verdict).not.toBe('regression');
    expect(overallVerdict([items, search])).toBe('regression');
  });

  it('a head whose runs mostly fail is a regression, with the failed runs counted and left out of the timings', () => {
    const samples = syntheticSamples({
      pairs: 10, seed: 11, noise: { cv: 0.03 },
      // Same speed, but 7 of 10 head runs answer with errors: errors are not speed.
      scenarios: { items: (pair) => ({ base: { cost: 2000 }, head: { cost: 2000, fail: pair >= 3 } }), search: same(1500) },
    });
    const [items, search] = analyseSamples(['items', 'search'], samples, defaults);
    expect(items.verdict).toBe('regression');
    expect(items.failedRuns).toBe(7);
    // The timings come from the runs that worked: 3 head runs, not a fast "0 ms" from failures.
    expect(items.pairs).toBe(3);
    expect(items.metrics.cpu_per_request!.verdict).not.toBe('regression');
    expect(search.failedRuns).toBe(0);
    expect(search.verdict).not.toBe('regression');
  });

  it('one flaky base run does not switch off "requests fail on head"', () => {
    const samples = syntheticSamples({
      pairs: 10, seed: 13, noise: { cv: 0.03 },
      scenarios: { items: (pair) => ({ base: { cost: 2000, fail: pair === 4 }, head: { cost: 2000, fail: true } }) },
    });
    const [items] = analyseSamples(['items'], samples, defaults);
    expect(items.failedRuns).toBe(11);
    expect(items.verdict).toBe('regression');
  });

  it('a failure that also happens on base is not blamed on head', () => {
    const samples = syntheticSamples({
      pairs: 10, seed: 12, noise: { cv: 0.03 },
      scenarios: { items: (pair) => ({ base: { cost: 2000, fail: pair % 2 === 0 }, head: { cost: 2000, fail: pair < 6 } }) },
    });
    const [items] = analyseSamples(['items'], samples, defaults);
    expect(items.failedRuns).toBe(11);
    expect(items.verdict).not.toBe('regression');
  });

  it('Holm: a claim that stands alone becomes "cannot tell" in a family of many tests', () => {
    // CPU per request of head ~7.5% above base with some overlap: a regression alone. Head's runs are in
    // the reverse order of base's, so no pair tells more than all runs together (the two-sample reading).
    const baseCpu = [96, 97, 98, 99, 100, 101, 102, 103, 104, 109];
    const headCpu = baseCpu.map((v, i) => v * 1.075 + (i % 2 ? 1.3 : -1.3)).reverse();
    const marginal = (scenario: string): RunSample[] =>
      baseCpu.flatMap((b, pair) => {
        // Wall-clock metrics identical on both sides (p = 1), so only CPU per request carries the effect.
        const noise = { wall: 1 + (pair % 5) / 100, cpu: 1, tail: 1 };
        const base = sample('base', pair, scenario, { cost: 1000 }, noise);
        const head = sample('head', pair, scenario, { cost: 1000 }, noise);
        base.cpuPerRequest = b / 1e6;
        head.cpuPerRequest = headCpu[pair] / 1e6;
        return [base, head];
      });

    const [alone] = analyseSamples(['marginal'], marginal('marginal'), defaults);
    const cpuAlone = alone.metrics.cpu_per_request!;
    expect(cpuAlone.pAdjusted).toBeLessThan(0.1);
    expect(cpuAlone.ci[1]).toBeGreaterThan(1.05);
    expect(cpuAlone.verdict).toBe('regression');
    expect(alone.verdict).toBe('regression');

    // The same data among 11 quiet scenarios: 48 gated tests.
    const quiet = Array.from({ length: 11 }, (_, i) => `quiet-${i}`);
    const family = syntheticSamples({
      pairs: 10, seed: 99, noise: { cv: 0.03 }, scenarios: Object.fromEntries(quiet.map((q) => [q, same(1500)])),
    });
    const results = analyseSamples(['marginal', ...quiet], [...marginal('marginal'), ...family], defaults);
    const cpu = results[0].metrics.cpu_per_request!;
    expect(cpu.p).toBe(cpuAlone.p);
    expect(cpu.pAdjusted).toBeGreaterThanOrEqual(0.1);
    expect(cpu.verdict).toBe('inconclusive');
    // The report can still say how many pairs would settle it.
    expect(cpu.pairsNeeded).toBeGreaterThan(10);
    expect(results[0].verdict).not.toBe('regression');
    expect(overallVerdict(results)).not.toBe('regression');
  });

  it('a calibrated noise floor widens the interval and is stated; the threshold stays the configured one', () => {
    const samples = syntheticSamples({ pairs: 10, seed: 5, noise: { cv: 0.03 }, scenarios: { items: same(2000) } });
    const calibration = new Map([['items/cpu_per_request', { cv: 0.2, runs: 20 }]]);
    const [plain] = analyseSamples(['items'], samples, defaults);
    const [calibrated] = analyseSamples(['items'], samples, { ...defaults, calibration });
    const p = plain.metrics.cpu_per_request!;
    const c = calibrated.metrics.cpu_per_request!;
    expect(p.threshold).toBe(0.05);
    expect(c.threshold).toBe(0.05);
    expect(p.noise?.calibrated).toBeUndefined();
    expect(c.noise).toEqual({ observed: p.noise!.observed, calibrated: { cv: 0.2, runs: 20 } });
    // 20% run-to-run CV: 10 pairs cannot show "not worse by 5%".
    expect(c.ci[1] - c.ci[0]).toBeGreaterThan(p.ci[1] - p.ci[0]);
    expect(c.verdict).toBe('inconclusive');
    expect(c.minDetectable!).toBeGreaterThan(p.minDetectable!);
    expect(p.verdict).toBe('unchanged');
  });

  it('a noisy runner never turns a wide interval into "unchanged", and never calls a harmless change', () => {
    // 50% run-to-run noise on every metric (a badly overloaded machine) and a real 20% slowdown.
    for (let seed = 1; seed <= 50; seed++) {
      const samples = syntheticSamples({ pairs: 20, seed, noise: { cv: 0.5, cpuCv: 0.5 }, scenarios: { items: slower(2000, 1.2) } });
      const [items] = analyseSamples(['items'], samples, defaults);
      expect(items.verdict).not.toBe('unchanged');
      expect(items.verdict).not.toBe('improvement');
      for (const [name, m] of Object.entries(items.metrics)) {
        const configured = defaults.thresholds[name as MetricName];
        expect(m.threshold).toBe(configured);
        // "unchanged" only when the interval stays under δ on the bad side.
        if (m.verdict === 'unchanged') expect(name === 'throughput' ? m.ci[0] : m.ci[1]).toBeLessThan(name === 'throughput' ? 2 : 1 + configured);
      }
    }
  });

  it('a real change under δ, measured well, is "below threshold": shown, not gated', () => {
    const samples = syntheticSamples({ pairs: 40, seed: 8, noise: { cv: 0.01, cpuCv: 0.01 }, scenarios: { items: slower(2000, 1.03), search: same(1500) } });
    const results = analyseSamples(['items', 'search'], samples, defaults);
    const cpu = results[0].metrics.cpu_per_request!;
    expect(cpu.verdict).toBe('below-threshold');
    expect(cpu.ci[0]).toBeGreaterThan(1);
    expect(cpu.ci[1]).toBeLessThan(1.05);
    expect(results[0].verdict).toBe('below-threshold');
    expect(results[1].verdict).toBe('unchanged');
    expect(overallVerdict(results)).toBe('below-threshold');
  });

  it('metrics that cannot tell say how many pairs would settle them, more than were run', () => {
    // A 5% change under 6% noise with 6 pairs: the interval cannot decide.
    const samples = syntheticSamples({ pairs: 6, seed: 3, noise: { cv: 0.06, cpuCv: 0.06 }, scenarios: { items: slower(2000, 1.05) } });
    const [items] = analyseSamples(['items'], samples, defaults);
    const unsure = Object.values(items.metrics).filter((m) => m.verdict === 'inconclusive');
    expect(unsure.length).toBeGreaterThan(0);
    for (const m of unsure) expect(m.pairsNeeded).toBeGreaterThan(6);
    expect(items.verdict).toBe('inconclusive');
  });

  it('the scenarios worth explaining (observe runs) are those that may be worse on head, never the unchanged or faster ones', () => {
    const verdictsOf = (items: Parameters<typeof syntheticSamples>[0]['scenarios'][string], cv = 0.02) => {
      const [scenario] = analyseSamples(['items'], syntheticSamples({ pairs: 10, seed: 4, noise: { cv, cpuCv: cv }, scenarios: { items } }), defaults);
      return { verdict: scenario.verdict, worse: mayBeWorse(scenario) };
    };
    expect(verdictsOf(slower(2000, 1.2))).toEqual({ verdict: 'regression', worse: true });
    expect(verdictsOf(same(2000))).toEqual({ verdict: 'unchanged', worse: false });
    expect(verdictsOf(slower(2000, 0.8))).toEqual({ verdict: 'improvement', worse: false });
    // A real change under δ: worse but shown to be under it, or better but not by δ.
    expect(verdictsOf(slower(2000, 1.025), 0.004)).toEqual({ verdict: 'below-threshold', worse: true });
    expect(verdictsOf(slower(2000, 0.975), 0.004)).toEqual({ verdict: 'below-threshold', worse: false });
    expect(verdictsOf(slower(2000, 1.05), 0.08)).toEqual({ verdict: 'inconclusive', worse: true });
  });
});
