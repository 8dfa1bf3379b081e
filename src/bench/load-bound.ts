// Whether a run measured the load generator instead of the server. A closed-loop run is limited by one
// of the two: when autocannon's event loop is saturated *and* the server still had room, a faster
// generator would have got more out of the server, so the run's throughput says nothing about the
// server. When both are busy (a hello world answering as fast as the generator asks), the server is at
// its limit too and the run is as good as one made with wrk: it is not flagged. Checked against wrk by
// `npm run bench:loadgen`.

/** The generator's main thread at or above this share of a core is saturated. */
export const GENERATOR_SATURATED = 0.9;
/** The server is at its limit when its busiest thread, or the whole tree over its CPUs, reaches this share. */
export const SERVER_SATURATED = 0.8;

export interface BoundEvidence {
  /** Busiest load-generator worker's main thread, fraction of a core. */
  loadGenCpu: number;
  /** The server tree's busiest thread over the run, fraction of a core. */
  serverBusiestThread: number;
  /** The server tree's CPU over the run, in cores. */
  serverCores: number;
  /** CPUs the server may use (its taskset list, or the machine's). */
  serverCpuCount: number;
  /** The run failed (connection errors, no response, …): a failed run is failed, never bound. */
  failed?: boolean;
}

export function isLoadGenBound(e: BoundEvidence): boolean {
  // Against a server that is gone, the generator spins on refused connections: saturated, with an idle
  // server. That says the server failed, not that the generator was the limit (and a scale-out would only
  // measure the failure again).
  if (e.failed || !(e.loadGenCpu >= GENERATOR_SATURATED)) return false;
  const threadAtLimit = e.serverBusiestThread >= SERVER_SATURATED;
  const cpusAtLimit = e.serverCores >= SERVER_SATURATED * Math.max(1, e.serverCpuCount);
  return !threadAtLimit && !cpusAtLimit;
}

/** Number of CPUs in a taskset list such as "1-3,5"; fallback when there is no list. */
export function cpuCount(list: string | undefined, fallback: number): number {
  if (!list) return fallback;
  let n = 0;
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a)) continue;
    n += Number.isInteger(b) ? Math.max(0, b - a + 1) : 1;
  }
  return n > 0 ? n : fallback;
}
