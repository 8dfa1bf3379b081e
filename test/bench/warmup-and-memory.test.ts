// The warm-up plan from a scenario's settings, and memory traces of several samples made into one line.
import { describe, expect, it } from 'vitest';
import { combineTraces } from '../../src/bench/memory-trace.ts';
import { warmupPlan } from '../../src/bench/warmup.ts';
import { scenarioSchema } from '../../src/config/schema.ts';
import { firstScenarioMinMs } from '../../src/pipeline/measure-sample.ts';

describe('warm-up plan', () => {
  it('splits the minimum into two windows of slices, and allows as many more as warmupMax', () => {
    expect(warmupPlan({ warmup: 1_000, warmupMax: 10_000 })).toEqual({ sliceMs: 167, minSlices: 6, maxSlices: 59 });
    expect(warmupPlan({ warmup: 300, warmupMax: 10_000 })).toEqual({ sliceMs: 150, minSlices: 6, maxSlices: 66 });
    expect(warmupPlan({ warmup: 12_000, warmupMax: 10_000 })).toEqual({ sliceMs: 1_000, minSlices: 12, maxSlices: 12 });
  });
});

describe('the first scenario on a fresh server', () => {
  const scenario = scenarioSchema.parse({ name: 'a', path: '/' });
  it("warms up at least the runtime's floor, when that is longer than its own minimum", () => {
    expect(scenario.warmup).toBe(1_000);
    expect(firstScenarioMinMs(scenario, 3_000)).toBe(3_000);
    expect(firstScenarioMinMs(scenario, 800)).toBe(0);
    expect(firstScenarioMinMs(scenario, 0)).toBe(0);
    // A warm-up written in the config stays as written, shorter or longer: no floor.
    const written = (warmup: string) => scenarioSchema.parse({ name: 'a', path: '/', warmup });
    expect(firstScenarioMinMs(written('300ms'), 3_000)).toBe(0);
    expect(firstScenarioMinMs(written('5s'), 3_000)).toBe(0);
    expect(firstScenarioMinMs(written('0'), 3_000)).toBe(0);
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
