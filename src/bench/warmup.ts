// The unmeasured load before each measured run: the scenario's `warmup` at least, split in slices, then
// slice by slice while the slices' throughput or CPU per request still trends (stats/warm-up.ts), up to
// `warmupMax`. Each slice is its own short load run on the same server, so the time a side needed to warm
// up is measured and reported (a JIT runtime needs longer), and the measured run starts once that side is
// warm. Throughput alone misses a JIT still compiling when the server is not the bottleneck (it waits on
// I/O, timers or the client half the time): requests come back as fast, but each costs more CPU while the
// compiler works, and a measured run that starts then counts that work (json-server's first endpoint after
// a start: CPU per request 270–300 µs when warm, 320–370 µs when the throughput rule stopped at 1.2 s).
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
  /** The server's CPU seconds per request in each slice, when its CPU could be read. */
  cpuPerRequest: number[];
  /** False when the bound was reached with the throughput or CPU per request still trending. */
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
 * it; src/runtimes/ knows which runtimes need one), still within `warmupMax`. `minMs`: wall time it must
 * last before it may settle (a fresh server's first scenario on Node), with room for it above `warmupMax`.
 * The slices stay the scenario's own: longer slices would make the trend rule judge the last seconds
 * rather than the last second, and hold a server that is warm by then for seconds more (Fastify's first
 * endpoint: 5.8–6.6 s with 500 ms slices).
 */
export async function warmUp(
  load: LoadGenerator, url: string, scenario: Scenario,
  opts: { minRequests?: number; minMs?: number; session?: Session; /** The server tree's CPU seconds so far. */ cpuSeconds?: () => number } = {},
): Promise<WarmupOutcome> {
  if (scenario.warmup <= 0) return { seconds: 0, throughputs: [], cpuPerRequest: [], settled: true };
  const minMs = opts.minMs ?? 0;
  const plan = warmupPlan({ warmup: scenario.warmup, warmupMax: Math.max(scenario.warmupMax, minMs) });
  const throughputs: number[] = [];
  const cpuPerRequest: number[] = [];
  const started = performance.now();
  let requests = 0;
  let settled = false;
  while (throughputs.length < plan.maxSlices) {
    const cpuBefore = opts.cpuSeconds?.();
    const run = await load.run(url, { ...scenario, duration: plan.sliceMs, warmup: 0 }, { session: opts.session });
    const cpuAfter = opts.cpuSeconds?.();
    throughputs.push(run.throughput);
    if (cpuBefore !== undefined && cpuAfter !== undefined && run.requests > 0) cpuPerRequest.push(Math.max(0, cpuAfter - cpuBefore) / run.requests);
    requests += run.requests;
    // CPU per request counts once every slice has it (a server whose CPU cannot be read is judged on throughput).
    const cpuFlat = cpuPerRequest.length !== throughputs.length || warmedUp(cpuPerRequest);
    const longEnough = performance.now() - started >= minMs;
    if (throughputs.length >= plan.minSlices && requests >= (opts.minRequests ?? 0) && longEnough && warmedUp(throughputs) && cpuFlat) {
      settled = true;
      break;
    }
  }
  return { seconds: (performance.now() - started) / 1000, throughputs, cpuPerRequest, settled };
}
