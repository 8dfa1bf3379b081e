// Head against base in a memory soak, judged by testing the difference itself: both servers run side by
// side on one clock, so each window has a minimum per side, and head − base per window is one series. A
// trend in it (the leak rule of trend.ts, two-sided) says that head's memory grows faster (or slower) than
// base's. Comparing two separate significance calls instead ("head leaks, base does not") would call a
// leak of 2.1 MiB/h against one of 1.9 MiB/h a regression whenever one lands either side of the bar, and
// would say nothing when both leak at different rates.
import { assertFinite } from './ranks.ts';
import { bySegment, judgeTrend, warmupSeconds, type LeakTestOptions, type MemorySample } from './trend.ts';

const MIB = 1024 * 1024;

export interface DifferenceTrend {
  /** Theil-Sen slope of head − base over the window minima, MiB per hour (NaN with too few windows). */
  slopeMiBPerHour: number;
  /** Mann-Kendall (Hamed-Rao, within segments) two-sided p-value; 1 with too few windows. */
  p: number;
  /** Fitted change of head − base over the analysed span, MiB (NaN with too few windows). */
  growthMiB: number;
  /** Windows where both sides had samples (in segments with two or more). */
  windows: number;
  /** head-grows: head's memory grows faster than base's past every bar; head-shrinks: slower; unknown: too few windows. */
  direction: 'head-grows' | 'head-shrinks' | 'flat' | 'unknown';
  reason: string;
}

interface Paired {
  t: number;
  mib: number;
}

/**
 * Windows aligned on the shared clock within each segment (a fresh pair of servers after a restart), after
 * that segment's warm-up; per window the minimum of each side, and their difference stamped at the window's
 * middle. A trailing window either side covers less than half of is dropped.
 */
function pairedWindows(base: readonly MemorySample[], head: readonly MemorySample[], warmupSec: number, windowSec: number): Paired[][] {
  const segments = new Map<number, { base: MemorySample[]; head: MemorySample[] }>();
  for (const [side, samples] of [['base', base], ['head', head]] as const) {
    for (const group of bySegment(samples)) {
      const key = group[0].segment ?? 0;
      const entry = segments.get(key) ?? { base: [], head: [] };
      entry[side] = group;
      segments.set(key, entry);
    }
  }
  const blocks: Paired[][] = [];
  for (const [, pair] of [...segments.entries()].sort(([a], [b]) => a - b)) {
    if (pair.base.length === 0 || pair.head.length === 0) continue;
    const start = Math.min(pair.base[0].tSec, pair.head[0].tSec) + warmupSec;
    const minima = (samples: MemorySample[]) => {
      const byWindow = new Map<number, { min: number; last: number }>();
      for (const s of samples) {
        if (s.tSec < start) continue;
        const w = Math.floor((s.tSec - start) / windowSec);
        const win = byWindow.get(w);
        if (!win) byWindow.set(w, { min: s.bytes, last: s.tSec });
        else {
          win.min = Math.min(win.min, s.bytes);
          win.last = Math.max(win.last, s.tSec);
        }
      }
      return byWindow;
    };
    const b = minima(pair.base);
    const h = minima(pair.head);
    const shared = [...b.keys()].filter((w) => h.has(w)).sort((x, y) => x - y);
    const last = shared.at(-1);
    if (last !== undefined && shared.length > 1) {
      const covered = Math.min(b.get(last)!.last, h.get(last)!.last) - (start + last * windowSec);
      if (covered < windowSec / 2) shared.pop();
    }
    blocks.push(shared.map((w) => ({ t: start + (w + 0.5) * windowSec, mib: (h.get(w)!.min - b.get(w)!.min) / MIB })));
  }
  return blocks;
}

/**
 * The leak rule applied to head − base (two-sided): significant at alpha, a slope beyond
 * max(2 MiB/h, 1% of base's first window minimum per hour), a fitted change beyond 10 MiB.
 */
export function differenceTrend(base: readonly MemorySample[], head: readonly MemorySample[], opts: LeakTestOptions = {}): DifferenceTrend {
  const windowSec = opts.windowSec ?? 600;
  const minWindows = Math.max(3, opts.minWindows ?? 4);
  if (!(windowSec > 0)) throw new RangeError(`windowSec must be > 0, got ${windowSec}`);
  for (const samples of [base, head]) {
    assertFinite(samples.map((s) => s.tSec), 'tSec');
    assertFinite(samples.map((s) => s.bytes), 'bytes');
  }
  const warmup = warmupSeconds([...base, ...head], opts.warmupMinSec ?? 900, opts.warmupFraction ?? 0.1);
  const blocks = pairedWindows(base, head, warmup, windowSec);
  const windows = blocks.filter((b) => b.length >= 2).reduce((n, b) => n + b.length, 0);
  if (windows < minWindows) {
    return {
      slopeMiBPerHour: NaN, p: 1, growthMiB: NaN, windows, direction: 'unknown',
      reason: `only ${windows} windows with both sides after the warm-up, need ${minWindows}`,
    };
  }
  // The slope bar scales with base's memory: 1% an hour of a 1 GiB server is 10 MiB/h.
  const firstSegment = bySegment(base)[0] ?? [];
  const baselineMiB = (firstSegment.find((s) => s.tSec - firstSegment[0].tSec >= warmup)?.bytes ?? 0) / MIB;
  const judged = judgeTrend(blocks, baselineMiB, { ...opts, twoSided: true });
  if (judged.insufficient) {
    return { slopeMiBPerHour: NaN, p: 1, growthMiB: NaN, windows: judged.windows, direction: 'unknown', reason: judged.reason };
  }
  const direction = judged.direction > 0 ? 'head-grows' : judged.direction < 0 ? 'head-shrinks' : 'flat';
  const reason =
    direction === 'flat'
      ? judged.reason
      : `head − base ${direction === 'head-grows' ? 'grows' : 'shrinks'} ${Math.abs(judged.slopeMiBPerHour).toFixed(2)} MiB/h (p = ${judged.p.toPrecision(2)}), ${judged.growthMiB.toFixed(1)} MiB over the soak`;
  return { slopeMiBPerHour: judged.slopeMiBPerHour, p: judged.p, growthMiB: judged.growthMiB, windows: judged.windows, direction, reason };
}
