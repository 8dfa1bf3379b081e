// The measuring schedule of a compare: base and head alternate, the order inside each pair is random
// (so slow drift cannot favour one side), every sample gets a fresh server, and pairs are added while the
// answer is open — only for the scenarios whose answer is still open, so a settled scenario costs no
// more time and the open one gets its pairs sooner. Every look uses the same rule (stats/decision.ts);
// the false alarms of the whole schedule, looks included, are checked by simulation
// (test/bench/sequential-gate.test.ts).
import type { RunSample, ScenarioResult } from '../model.ts';

export type Side = 'base' | 'head';

export interface ScheduleOptions {
  /** Every scenario, in the config's order: the first batch measures all of them. */
  scenarios: readonly string[];
  minPairs: number;
  maxPairs: number;
  /** Measures one sample of one side: a fresh server, each of `scenarios` once. */
  measure: (side: Side, pair: number, scenarios: readonly string[]) => Promise<RunSample[]>;
  /** Analyses all samples so far. */
  analyse: (samples: RunSample[]) => ScenarioResult[];
  /** Called after each pair and each look, for progress. */
  onPair?: (pair: number, plannedPairs: number, order: [Side, Side], scenarios: readonly string[]) => void;
  onLook?: (pairs: number, results: ScenarioResult[]) => void;
  signal?: AbortSignal;
  random?: () => number;
  /**
   * Samples of an earlier compare of the same commits (a resume): analysed first, so only the scenarios they
   * left open are measured, in pairs numbered after theirs; `minPairs` and `maxPairs` then count new pairs.
   */
  initial?: RunSample[];
}

export interface ScheduleOutcome {
  samples: RunSample[];
  scenarios: ScenarioResult[];
  /** Pairs measured of the scenario measured longest. */
  pairs: number;
  looks: number;
}

/**
 * The scenarios another batch could still change the answer for: those that cannot tell yet, unless some
 * scenario is a regression. A regression settles the job's verdict (and a bisect step's "like head"), so
 * measuring on only to settle another scenario would cost minutes for a line in the report; stopping at
 * the first look that crosses a boundary is the usual group-sequential rule.
 */
export function openScenarios(results: ScenarioResult[]): string[] {
  if (results.some((r) => r.verdict === 'regression')) return [];
  return results.filter((r) => r.verdict === 'inconclusive').map((r) => r.name);
}

/** Whether another batch could change the answer. */
export function needsMorePairs(results: ScenarioResult[]): boolean {
  return openScenarios(results).length > 0;
}

export async function runSchedule(options: ScheduleOptions): Promise<ScheduleOutcome> {
  const random = options.random ?? Math.random;
  const samples: RunSample[] = [...(options.initial ?? [])];
  // A resume numbers its pairs after the stored ones and counts its budget from there.
  const offset = samples.reduce((max, s) => Math.max(max, s.pair + 1), 0);
  let pairs = offset;
  let looks = 0;
  let planned = offset + options.minPairs;
  const maxPairs = offset + options.maxPairs;
  let measuring: readonly string[] = options.scenarios;
  let results: ScenarioResult[] = [];
  if (offset > 0) {
    results = options.analyse(samples);
    const open = openScenarios(results);
    // Everything stored is settled already: nothing more to measure.
    if (open.length === 0) return { samples, scenarios: results, pairs, looks };
    measuring = options.scenarios.filter((name) => open.includes(name));
  }
  for (;;) {
    while (pairs < planned) {
      options.signal?.throwIfAborted();
      const order: [Side, Side] = random() < 0.5 ? ['base', 'head'] : ['head', 'base'];
      for (const side of order) samples.push(...(await options.measure(side, pairs, measuring)));
      pairs++;
      options.onPair?.(pairs, planned, order, measuring);
    }
    results = options.analyse(samples);
    looks++;
    options.onLook?.(pairs, results);
    const open = openScenarios(results);
    if (open.length === 0 || pairs >= maxPairs) break;
    measuring = options.scenarios.filter((name) => open.includes(name));
    // Grow by half the minimum each time: enough to move the interval, few enough looks to stay cheap.
    planned = Math.min(maxPairs, pairs + Math.max(2, Math.ceil(options.minPairs / 2)));
  }
  return { samples, scenarios: results, pairs, looks };
}

/**
 * How many pairs to add to an open compare when none is asked for: what its open gated metrics say would
 * settle them (their `pairsNeeded` less the pairs they have), the most of those, within [2, `most`]; half
 * the minimum when none can say.
 */
export function extensionPairs(results: ScenarioResult[], minPairs: number, most: number): number {
  const open = new Set(openScenarios(results));
  const needed = results
    .filter((r) => open.has(r.name))
    .flatMap((r) => Object.values(r.metrics).filter((m) => m?.gated && m.verdict === 'inconclusive' && m.pairsNeeded !== undefined).map((m) => m!.pairsNeeded! - r.pairs));
  const wanted = needed.length > 0 ? Math.max(...needed) : Math.ceil(minPairs / 2);
  return Math.min(most, Math.max(2, wanted));
}
