// Where a measured state sits between base (0) and head (1), and the rules that turn that into a
// decision. Positions are on a log scale of the decisive metric, so a state that carries half of a 3×
// slowdown (≈1.73×) sits at 0.5, whichever way the metric points (throughput or CPU per request).
import type { Decision, Position } from './types.ts';

export interface RatioCi {
  ratio: number;
  lo: number;
  hi: number;
}

/**
 * Below this fraction of the slowdown being searched, a part is not worth following: the search neither
 * calls a state "bad" for it nor splits on it. The documented resolution limit of the method.
 */
export const MIN_SHARE = 0.25;

function scaled(r: RatioCi, wholeLog: number, offset: number): Position {
  const a = offset + Math.log(r.lo) / wholeLog;
  const b = offset + Math.log(r.hi) / wholeLog;
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return {
    estimate: offset + Math.log(r.ratio) / wholeLog,
    lo: Number.isNaN(lo) ? -Infinity : lo,
    hi: Number.isNaN(hi) ? Infinity : hi,
  };
}

/**
 * The position of a candidate measured in the same rounds as base and head. It is read from both ends:
 * candidate/base scaled by the whole effect, and 1 + candidate/head scaled; the two readings are averaged.
 * The whole effect is the one measured in these same rounds (drift between steps cancels), unless it
 * came out much smaller than the confirmed one, in which case the confirmed one is used.
 */
export function positionOf(opts: { candidateVsBase: RatioCi; candidateVsHead: RatioCi; headVsBase: RatioCi; confirmedRatio: number }): Position {
  const confirmedLog = Math.log(opts.confirmedRatio);
  const ownLog = Math.log(opts.headVsBase.ratio);
  const wholeLog = Math.sign(ownLog) === Math.sign(confirmedLog) && Math.abs(ownLog) >= 0.5 * Math.abs(confirmedLog) ? ownLog : confirmedLog;
  const fromBase = scaled(opts.candidateVsBase, wholeLog, 0);
  const fromHead = scaled(opts.candidateVsHead, wholeLog, 1);
  return {
    estimate: (fromBase.estimate + fromHead.estimate) / 2,
    lo: (fromBase.lo + fromHead.lo) / 2,
    hi: (fromBase.hi + fromHead.hi) / 2,
  };
}

/** A direct comparison of two states as a share of the whole slowdown. */
export function shareOf(ratio: RatioCi, confirmedRatio: number): Position {
  return scaled(ratio, Math.log(confirmedRatio), 0);
}

/** `p` rescaled so that `low` is 0 and `high` is 1. */
export function relative(p: Position, low: number, high: number): Position {
  const gap = high - low;
  if (!(gap > 0)) return { estimate: NaN, lo: -Infinity, hi: Infinity };
  return { estimate: (p.estimate - low) / gap, lo: (p.lo - low) / gap, hi: (p.hi - low) / gap };
}

/**
 * Release search: has the slowdown between `low` and `high` arrived at this state? "bad" once it
 * confidently carries more than MIN_SHARE of it; "good" once it confidently carries less than half and
 * not confidently more than MIN_SHARE; otherwise unknown, and more rounds are measured.
 */
export function judgeStep(p: Position, low: number, high: number): Decision {
  const t = relative(p, low, high);
  if (t.lo > MIN_SHARE) return 'bad';
  if (t.hi < 0.5) return 'good';
  return 'unknown';
}

/** A part smaller than this share of the whole slowdown is not reported as a contributor. */
export const MIN_PART = 0.1;

/**
 * Group testing: a state carrying half A of a group, between `low` (without the group) and `high` (with
 * it). Each half either confidently carries something (more than MIN_PART of the whole slowdown) or
 * confidently carries less than half of it (the same "good" bar as a release step); until both halves
 * are settled the answer is unknown. Shares of the whole, not of the group, so that a small group is not judged on amplified noise.
 * "bad": only A carries it; "good": only B; "split": both.
 */
export function judgeSplit(p: Position, low: number, high: number): Decision {
  const aSomething = p.lo - low > MIN_PART;
  const aLittle = p.hi - low < 0.5;
  const bSomething = high - p.hi > MIN_PART;
  const bLittle = high - p.lo < 0.5;
  if (aSomething && bSomething) return 'split';
  if (aSomething && bLittle) return 'bad';
  if (bSomething && aLittle) return 'good';
  return 'unknown';
}

/** The evidence label of a probe's position against base (0) and head (1). */
export function verdictOf(p: Position | null): 'like-base' | 'like-head' | 'partial' | 'unknown' | 'install-failed' {
  if (!p) return 'install-failed';
  const nearBase = p.hi < MIN_SHARE * 2 && p.lo < MIN_SHARE;
  const nearHead = p.lo > 1 - MIN_SHARE * 2 && p.hi > 1 - MIN_SHARE;
  if (nearBase && !nearHead) return 'like-base';
  if (nearHead && !nearBase) return 'like-head';
  if (p.lo > MIN_SHARE && p.hi < 1 - MIN_SHARE) return 'partial';
  return 'unknown';
}
