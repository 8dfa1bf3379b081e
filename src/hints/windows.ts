// The load generator counts responses per bucket of the monotonic clock (100 ms), the hooks count calls
// and CPU in the same buckets: that shared clock is what puts calls and CPU "per request". A scenario's
// observed run counts from its first to its last full bucket; the buckets at either end are partial
// (the run started or ended inside them) and are left out on both counts alike.

export interface ObservedScenario {
  scenario: string;
  bucketMs: number;
  /** Bucket index (floor(monotonic ms / bucketMs)) → responses completed in it. */
  completions: Map<number, number>;
}

/** The buckets a scenario's counts are taken over, in order. */
export function countedBuckets(observed: ObservedScenario): number[] {
  const buckets = [...observed.completions.keys()].sort((a, b) => a - b);
  if (buckets.length < 3) return [];
  const first = buckets[0] + 1;
  const last = buckets[buckets.length - 1] - 1;
  const out: number[] = [];
  for (let b = first; b <= last; b++) out.push(b);
  return out;
}

/**
 * Consecutive counted buckets grouped into windows of about `windowMs`: the units the tests compare
 * (their spread is the run's own noise). 200 ms: a 2 s run gives 9 windows, enough for a rank test to
 * reach p < 0.001, and each still holds tens of responses. A last window shorter than half the others
 * joins its neighbour.
 */
export function testWindows(observed: ObservedScenario, windowMs = 200): number[][] {
  const buckets = countedBuckets(observed);
  const per = Math.max(1, Math.round(windowMs / observed.bucketMs));
  const windows: number[][] = [];
  for (let i = 0; i < buckets.length; i += per) windows.push(buckets.slice(i, i + per));
  if (windows.length > 1 && windows[windows.length - 1].length < per / 2) {
    const tail = windows.pop()!;
    windows[windows.length - 1].push(...tail);
  }
  return windows;
}

/** Responses in each window. */
export function windowRequests(observed: ObservedScenario, windows: number[][]): number[] {
  return windows.map((w) => w.reduce((a, b) => a + (observed.completions.get(b) ?? 0), 0));
}
