// Synthetic observe runs for the pure hint functions: a scenario's responses per bucket, and a process's
// calls in the same buckets, as the hooks and the load generator would report them.
import type { ObservedScenario, ProcessObservation } from '../../src/hints/index.ts';
import type { OutboundKey } from '../../src/hints/observe-files.ts';

export const BUCKET = 100;
/** Bucket numbers far from zero, as the monotonic clock gives them. */
export const T0 = 1_000_000;

/** `buckets` buckets of `perBucket` responses each (the first and last are the partial ones). */
export function scenario(name: string, buckets: number, perBucket: number, start = T0): ObservedScenario {
  return { scenario: name, bucketMs: BUCKET, completions: new Map(Array.from({ length: buckets }, (_, i) => [start + i, perBucket])) };
}

export function call(partial: Partial<OutboundKey> & Pick<OutboundKey, 'kind'>, buckets: [number, number][]): OutboundKey {
  return { host: '127.0.0.1', port: 40123, method: null, path: null, package: null, via: [], site: null, ...partial, buckets };
}

/** `rate` calls per response in every bucket of the scenario. */
export function perResponse(s: ObservedScenario, rate: number): [number, number][] {
  return [...s.completions.entries()].map(([b, n]) => [b, Math.round(n * rate)]);
}

export function processWith(keys: OutboundKey[], runtime: 'node' | 'python' = 'node', extra: Partial<ProcessObservation> = {}): ProcessObservation {
  return {
    pid: 7, runtime, version: 'x', argv: [], done: true, memoryDone: false, problems: [],
    outbound: { bucketMs: BUCKET, overflow: 0, keys }, ...extra,
  };
}
