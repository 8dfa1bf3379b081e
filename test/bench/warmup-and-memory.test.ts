// The warm-up plan from a scenario's settings, and memory traces of several samples made into one line.
import { describe, expect, it } from 'vitest';
import { combineTraces } from '../../src/bench/memory-trace.ts';
import { warmupPlan } from '../../src/bench/warmup.ts';
import { scenarioSchema } from '../../src/config/schema.ts';
import { firstScenarioFloor, warmupFloors } from '../../src/pipeline/measure-sample.ts';

describe('warm-up plan', () => {
  it('splits the minimum into two windows of slices, and allows as many more as warmupMax', () => {
    expect(warmupPlan({ warmup: 1_000, warmupMax: 10_000 })).toEqual({ sliceMs: 167, minSlices: 6, maxSlices: 59 });
    expect(warmupPlan({ warmup: 300, warmupMax: 10_000 })).toEqual({ sliceMs: 150, minSlices: 6, maxSlices: 66 });
    expect(warmupPlan({ warmup: 12_000, warmupMax: 10_000 })).toEqual({ sliceMs: 1_000, minSlices: 12, maxSlices: 12 });
  });
});

describe('the first scenario on a fresh server', () => {
  const scenario = scenarioSchema.parse({ name: 'a', path: '/' });
  const node = { ms: 3_000, cpuSeconds: 1.5 };
  it('warms up to the runtime\'s floor, unless the config wrote its warm-up', () => {
    expect(scenario.warmup).toBe(1_000);
    expect(firstScenarioFloor(scenario, node)).toEqual(node);
    expect(firstScenarioFloor(scenario, undefined)).toBeUndefined();
    // A warm-up written in the config is kept as written, shorter or longer: no floor.
    const written = (warmup: string) => scenarioSchema.parse({ name: 'a', path: '/', warmup });
    expect(firstScenarioFloor(written('300ms'), node)).toBeUndefined();
    expect(firstScenarioFloor(written('5s'), node)).toBeUndefined();
    expect(firstScenarioFloor(written('0'), node)).toBeUndefined();
  });
  it('takes the largest floor of a side\'s runtimes, and none when no runtime has one', () => {
    expect(warmupFloors([{ warmupRequests: 2_000 }, { firstWarmup: node }])).toEqual({ requests: 2_000, first: node });
    expect(warmupFloors([{ firstWarmup: { ms: 2_000, cpuSeconds: 2 } }, { firstWarmup: node }])).toEqual({ requests: 0, first: { ms: 3_000, cpuSeconds: 2 } });
    expect(warmupFloors([{}, {}])).toEqual({ requests: 0, first: undefined });
  });
});

describe('memory traces', () => {
  it('takes the median of the samples at each moment, while half of them still run', () => {
    const line = combineTraces([
      [[0, 10], [0.5, 20], [1, 30]],
      [[0, 12], [0.5, 22], [1, 32], [1.5, 40]],
      [[0, 11], [0.5, 24], [1.1, 31]],
    ]);
    expect(line).toEqual([[0, 11], [0.5, 22], [1, 31]]);
    expect(combineTraces([])).toEqual([]);
  });
});
