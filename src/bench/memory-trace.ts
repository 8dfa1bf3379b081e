// Memory over a server's whole life (start, warm-up, every scenario), for runtime swaps: CPython and PyPy,
// or two Node majors, differ in how memory grows while the JIT compiles and the heap settles, which one
// peak figure per run does not show. One trace per sample; a side's traces combine into one line.
import { sampleTree } from './proc-tree.ts';

const MIB = 1024 * 1024;

/** [seconds since the trace started, MiB] pairs. */
export type MemorySeries = [number, number][];

export interface MemoryTrace {
  /** Stop sampling; the series so far. */
  stop(): MemorySeries;
}

/** RSS of the tree under `pid` every `intervalMs`, from now until stop(). */
export function traceMemory(pid: number, intervalMs = 500): MemoryTrace {
  const started = performance.now();
  const series: MemorySeries = [];
  const take = () => {
    const sample = sampleTree(pid);
    if (sample.pids > 0) series.push([Math.round((performance.now() - started) / 100) / 10, Math.round((sample.rssBytes / MIB) * 10) / 10]);
  };
  take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  let stopped = false;
  return {
    stop() {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        take();
      }
      return series;
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One line from several traces of the same side: per `stepSec` slot, the median over the traces that
 * reached it (a slot only some traces reach, because their server lived shorter, needs half of them),
 * at most `maxPoints` points.
 */
export function combineTraces(traces: readonly MemorySeries[], stepSec = 0.5, maxPoints = 60): MemorySeries {
  const live = traces.filter((t) => t.length > 0);
  if (live.length === 0) return [];
  const longest = Math.max(...live.map((t) => t[t.length - 1][0]));
  const step = Math.max(stepSec, longest / maxPoints);
  const out: MemorySeries = [];
  for (let slot = 0; slot * step <= longest; slot++) {
    const values: number[] = [];
    for (const trace of live) {
      const inSlot = trace.filter(([t]) => t >= slot * step && t < (slot + 1) * step).map(([, mib]) => mib);
      if (inSlot.length) values.push(Math.max(...inSlot));
    }
    if (values.length * 2 < live.length) break;
    out.push([Math.round(slot * step * 10) / 10, Math.round(median(values) * 10) / 10]);
  }
  return out;
}
