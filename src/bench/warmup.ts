// The unmeasured load before each measured run: the scenario's `warmup` at least, split in slices, then
// slice by slice while the slices' throughput still trends (stats/warm-up.ts), up to `warmupMax`. Each
// slice is its own short load run on the same server, so the time a side needed to warm up is measured
// and reported (a JIT runtime needs longer), and the measured run starts once that side is warm.
import type { Scenario } from '../config/schema.ts';
import { WARMUP_WINDOW, warmedUp } from '../stats/index.ts';
import type { LoadGenerator, Session } from './load-generator.ts';

export interface WarmupPlan {
  sliceMs: number;
  minSlices: number;
  maxSlices: number;
}

export interface WarmupOutcome {
  /** Wall time of all slices, seconds. */
  seconds: number;
  /** Requests per second of each slice, in order. */
  throughputs: number[];
  /** False when the bound was reached with the throughput still trending. */
  settled: boolean;
}

/**
 * The configured minimum in two windows of slices (each slice 150 ms to 1 s), then as many more slices as
 * `warmupMax` allows.
 */
export function warmupPlan(scenario: Pick<Scenario, 'warmup' | 'warmupMax'>): WarmupPlan {
  const slices = 2 * WARMUP_WINDOW;
  const sliceMs = Math.min(1_000, Math.max(150, Math.round(scenario.warmup / slices)));
  const minSlices = Math.max(slices, Math.ceil(scenario.warmup / sliceMs));
  return { sliceMs, minSlices, maxSlices: Math.max(minSlices, Math.floor(Math.max(scenario.warmup, scenario.warmupMax) / sliceMs)) };
}

/**
 * Warm the server at `url` up for `scenario`; nothing when its warm-up is 0. `minRequests`: a count the
 * warm-up must reach before it may settle (a JIT that compiles a request path only after so many runs of
 * it; src/runtimes/ knows which runtimes need one), still within `warmupMax`.
 */
export async function warmUp(
  load: LoadGenerator, url: string, scenario: Scenario, opts: { minRequests?: number; session?: Session } = {},
): Promise<WarmupOutcome> {
  if (scenario.warmup <= 0) return { seconds: 0, throughputs: [], settled: true };
  const plan = warmupPlan(scenario);
  const throughputs: number[] = [];
  const started = performance.now();
  let requests = 0;
  let settled = false;
  while (throughputs.length < plan.maxSlices) {
    const run = await load.run(url, { ...scenario, duration: plan.sliceMs, warmup: 0 }, { session: opts.session });
    throughputs.push(run.throughput);
    requests += run.requests;
    if (throughputs.length >= plan.minSlices && requests >= (opts.minRequests ?? 0) && warmedUp(throughputs)) {
      settled = true;
      break;
    }
  }
  return { seconds: (performance.now() - started) / 1000, throughputs, settled };
}
