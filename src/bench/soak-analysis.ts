// Pure analysis of a memory soak: the leak test of each side (src/stats/trend.ts, the methodology's rule),
// and the verdict of head against base, which tests the difference itself: the trend of head − base per
// window (src/stats/memory-difference.ts). A server whose memory grows on both sides at the same rate has
// an old leak, not one this pull request brought.
import type { SoakDifference, SoakSide, Verdict } from '../model.ts';
import { differenceTrend } from '../stats/memory-difference.ts';
import { leakTest, type MemorySample } from '../stats/trend.ts';

const MIB = 1024 * 1024;
/** Points kept in a side's memory series for charts. */
const SERIES_POINTS = 120;
/** Results stored before the difference test: with both sides leaking, head was called worse (or better) only past this factor. */
const SLOPE_FACTOR = 2;

export interface SoakRunFacts {
  requests: number;
  failedRequests: number;
  crashed?: string;
}

/** Keep at most `max` points, each the minimum of its stretch (minima are what the leak rule looks at). */
export function thinSeries(samples: readonly MemorySample[], max = SERIES_POINTS): [number, number][] {
  const step = Math.max(1, Math.ceil(samples.length / max));
  const out: [number, number][] = [];
  for (let i = 0; i < samples.length; i += step) {
    const chunk = samples.slice(i, i + step);
    const low = chunk.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    out.push([Math.round(low.tSec), Math.round((low.bytes / MIB) * 10) / 10]);
  }
  return out;
}

export function analyseSoakSide(
  memory: readonly MemorySample[], facts: SoakRunFacts, opts: { warmupSec: number; windowSec: number },
): SoakSide {
  const test = leakTest(memory, { warmupMinSec: opts.warmupSec, windowSec: opts.windowSec });
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    slopeMiBPerHour: finite(test.slopeMiBPerHour),
    p: test.p,
    leak: test.leak,
    samples: test.samples,
    windows: test.windows,
    baselineMiB: finite(test.baselineMiB),
    growthMiB: finite(test.growthMiB),
    reason: test.reason,
    requests: facts.requests,
    failedRequests: facts.failedRequests,
    ...(facts.crashed !== undefined ? { crashed: facts.crashed } : {}),
    series: thinSeries(memory),
  };
}

/** The trend of head − base, in the shape results keep (no NaN: results are stored as JSON). */
export function analyseSoakDifference(
  base: readonly MemorySample[], head: readonly MemorySample[], opts: { warmupSec: number; windowSec: number },
): SoakDifference {
  const d = differenceTrend(base, head, { warmupMinSec: opts.warmupSec, windowSec: opts.windowSec });
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return { slopeMiBPerHour: finite(d.slopeMiBPerHour), p: d.p, growthMiB: finite(d.growthMiB), windows: d.windows, direction: d.direction, reason: d.reason };
}

/**
 * Head against base, with one sentence that says why. With the difference (every soak since it was
 * measured) the verdict is its trend; results stored before keep the rule they were judged by.
 */
export function soakVerdict(base: SoakSide, head: SoakSide, difference?: SoakDifference): { verdict: Verdict; why: string } {
  if (base.crashed !== undefined && head.crashed !== undefined) {
    return { verdict: 'inconclusive', why: 'both servers exited before the soak ended' };
  }
  if (head.crashed !== undefined) return { verdict: 'regression', why: "head's server exited during the soak; base's ran to the end" };
  if (base.crashed !== undefined) return { verdict: 'inconclusive', why: "base's server exited during the soak, so there is nothing to compare head with" };
  if (!difference) return legacyVerdict(base, head);
  const rate = (v: number | null) => `${(v ?? 0).toFixed(1)} MiB/h`;
  const sides = `base ${base.leak ? `grows ${rate(base.slopeMiBPerHour)}` : 'does not grow'}, head ${head.leak ? `grows ${rate(head.slopeMiBPerHour)}` : 'does not grow'}`;
  switch (difference.direction) {
    case 'unknown':
      return { verdict: 'inconclusive', why: `too short to judge: ${difference.reason}; soak longer than the warm-up plus 4 windows` };
    case 'head-grows':
      return {
        verdict: 'regression',
        why: `head's memory grows ${rate(difference.slopeMiBPerHour)} faster than base's (head − base, p = ${difference.p.toPrecision(2)}; ${sides})`,
      };
    case 'head-shrinks':
      return {
        verdict: 'improvement',
        why: `head's memory grows ${rate(-(difference.slopeMiBPerHour ?? 0))} slower than base's (head − base, p = ${difference.p.toPrecision(2)}; ${sides})`,
      };
    default:
      if (base.leak && head.leak) {
        return { verdict: 'unchanged', why: `both grow at a similar rate (${rate(base.slopeMiBPerHour)} base, ${rate(head.slopeMiBPerHour)} head; head − base: ${difference.reason}): the leak is older than this change` };
      }
      return { verdict: 'unchanged', why: `head − base shows no trend (${difference.reason}); ${sides}` };
  }
}

/** Both servers ran, too few windows on either side, or the verdict of results stored before the difference test. */
function legacyVerdict(base: SoakSide, head: SoakSide): { verdict: Verdict; why: string } {
  if (base.slopeMiBPerHour === null || head.slopeMiBPerHour === null) {
    const side = head.slopeMiBPerHour === null ? head : base;
    return { verdict: 'inconclusive', why: `too short to judge: ${side.reason}; soak longer than the warm-up plus 4 windows` };
  }
  const rate = (s: SoakSide) => `${s.slopeMiBPerHour!.toFixed(1)} MiB/h`;
  if (head.leak && !base.leak) return { verdict: 'regression', why: `head's memory grows ${rate(head)} (p = ${head.p.toPrecision(2)}); base's does not (${base.reason})` };
  if (base.leak && !head.leak) return { verdict: 'improvement', why: `base's memory grows ${rate(base)}; head's does not (${head.reason})` };
  if (base.leak && head.leak) {
    if (head.slopeMiBPerHour > SLOPE_FACTOR * base.slopeMiBPerHour) {
      return { verdict: 'regression', why: `both grow, head more than ${SLOPE_FACTOR}× as fast (${rate(head)} against ${rate(base)})` };
    }
    if (base.slopeMiBPerHour > SLOPE_FACTOR * head.slopeMiBPerHour) {
      return { verdict: 'improvement', why: `both grow, base more than ${SLOPE_FACTOR}× as fast (${rate(base)} against ${rate(head)})` };
    }
    return { verdict: 'unchanged', why: `both grow at a similar rate (${rate(base)} base, ${rate(head)} head): the leak is older than this change` };
  }
  return { verdict: 'unchanged', why: 'neither side\'s memory grows' };
}
