// "Load-generator bound" means the generator, not the server, was the limit.
import { describe, expect, it } from 'vitest';
import { cpuCount, isLoadGenBound } from '../../src/bench/load-bound.ts';
import { mergeRuns, splitEvenly } from '../../src/bench/load-generator.ts';
import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { LoadRun } from '../../src/bench/index.ts';

describe('isLoadGenBound', () => {
  it('flags a saturated generator only while the server still had room', () => {
    // autocannon at 98% of its core, a single-threaded server at 55%: a faster generator would get more.
    expect(isLoadGenBound({ loadGenCpu: 0.98, serverBusiestThread: 0.55, serverCores: 0.6, serverCpuCount: 1 })).toBe(true);
    // Both at their limit (a hello world keeping up with the generator, as it does with wrk): not bound.
    expect(isLoadGenBound({ loadGenCpu: 0.99, serverBusiestThread: 0.97, serverCores: 1.1, serverCpuCount: 1 })).toBe(false);
    // A multi-process server using all of its CPUs, none of its threads saturated: at its limit too.
    expect(isLoadGenBound({ loadGenCpu: 0.95, serverBusiestThread: 0.5, serverCores: 3.4, serverCpuCount: 4 })).toBe(false);
    // A slow endpoint: the generator idles, whatever the server does.
    expect(isLoadGenBound({ loadGenCpu: 0.3, serverBusiestThread: 0.1, serverCores: 0.1, serverCpuCount: 1 })).toBe(false);
    // A server that died: the generator spins on refused connections (a Fastify run saw 70,740 in 3 s). Failed, not bound.
    expect(isLoadGenBound({ loadGenCpu: 0.97, serverBusiestThread: 0, serverCores: 0, serverCpuCount: 1, failed: true })).toBe(false);
  });

  it('counts the CPUs of a taskset list', () => {
    expect(cpuCount('1', 8)).toBe(1);
    expect(cpuCount('1-3', 8)).toBe(3);
    expect(cpuCount('0,2-4,7', 8)).toBe(5);
    expect(cpuCount(undefined, 8)).toBe(8);
  });
});

describe('several load-generator workers', () => {
  it('split connections evenly and merge their runs: counts add up, latencies merge', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(2, 3)).toEqual([1, 1]);
    const runOf = (latencies: number[], cpu: number): LoadRun => {
      const h = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
      for (const v of latencies) h.recordValue(v);
      const run: LoadRun = {
        requests: latencies.length, durationSec: 1, throughput: latencies.length, latencyUs: { p50: 0, p90: 0, p99: 0, mean: 0 },
        errors: 1, timeouts: 0, non2xx: 2, loadGenCpu: cpu, workers: 1, histogram: encodeIntoCompressedBase64(h),
      };
      h.destroy();
      return run;
    };
    const merged = mergeRuns([runOf(Array(100).fill(1000), 0.5), runOf(Array(100).fill(3000), 0.9)]);
    expect(merged.requests).toBe(200);
    expect(merged.throughput).toBe(200);
    expect(merged.errors).toBe(2);
    expect(merged.non2xx).toBe(4);
    expect(merged.loadGenCpu).toBe(0.9);
    expect(merged.workers).toBe(2);
    expect(merged.latencyUs.mean).toBeCloseTo(2000, -1);
    expect(merged.latencyUs.p99).toBeGreaterThan(2900);
  });
});
