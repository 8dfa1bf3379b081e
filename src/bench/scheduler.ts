// The measuring schedule of a compare: base and head alternate, the order inside each pair is random
// (so slow drift cannot favour one side), every sample gets a fresh server, and pairs are added while the
// verdict is unclear, up to the maximum. When the schedule may look more than once, every look uses the
// stricter 99% interval so that looking again does not inflate false alarms.
import type { RunSample, ScenarioResult } from '../model.ts';

export type Side = 'base' | 'head';

export interface ScheduleOptions {
  minPairs: number;
  maxPairs: number;
  /** Measures one sample of one side: a fresh server, every scenario once. */
  measure: (side: Side, pair: number) => Promise<RunSample[]>;
  /** Analyses all samples so far at the given confidence. */
  analyse: (samples: RunSample[], confidence: number) => ScenarioResult[];
  /** Called after each pair and each look, for progress. */
  onPair?: (pair: number, plannedPairs: number, order: [Side, Side]) => void;
  onLook?: (pairs: number, results: ScenarioResult[]) => void;
  signal?: AbortSignal;
  random?: () => number;
}

export interface ScheduleOutcome {
  samples: RunSample[];
  scenarios: ScenarioResult[];
  pairs: number;
  confidence: number;
  looks: number;
}

export function lookConfidence(minPairs: number, maxPairs: number): number {
  return maxPairs > minPairs ? 0.99 : 0.95;
}

/**
 * Whether another batch could change the answer: some scenario is inconclusive, and no scenario is a
 * regression yet. A regression settles the job's verdict (and a bisect step's "like head"), so measuring
 * on only to settle another scenario would cost minutes for a line in the report that says "inconclusive,
 * ~N pairs would settle it" anyway. Stopping at the first look that crosses the boundary is the usual
 * group-sequential rule, and every look already uses the stricter level.
 */
export function needsMorePairs(results: ScenarioResult[]): boolean {
  if (results.some((r) => r.verdict === 'regression')) return false;
  return results.some((r) => r.verdict === 'inconclusive');
}

export async function runSchedule(options: ScheduleOptions): Promise<ScheduleOutcome> {
  const random = options.random ?? Math.random;
  const confidence = lookConfidence(options.minPairs, options.maxPairs);
  const samples: RunSample[] = [];
  let pairs = 0;
  let looks = 0;
  let planned = options.minPairs;
  let results: ScenarioResult[] = [];
  for (;;) {
    while (pairs < planned) {
      options.signal?.throwIfAborted();
      const order: [Side, Side] = random() < 0.5 ? ['base', 'head'] : ['head', 'base'];
      for (const side of order) samples.push(...(await options.measure(side, pairs)));
      pairs++;
      options.onPair?.(pairs, planned, order);
    }
    results = options.analyse(samples, confidence);
    looks++;
    options.onLook?.(pairs, results);
    if (!needsMorePairs(results) || pairs >= options.maxPairs) break;
    // Grow by half the minimum each time: enough to move the interval, few enough looks to stay cheap.
    planned = Math.min(options.maxPairs, pairs + Math.max(2, Math.ceil(options.minPairs / 2)));
  }
  return { samples, scenarios: results, pairs, confidence, looks };
}
