// One bisect step's measuring schedule: rounds of base, candidate and head, each on a fresh server, in
// a random order per round (so drift cannot favour one of them), until the judge can place the candidate
// or the maximum is reached. The first look uses 95% intervals, every later look 99%: the chance of a
// wrong call over all looks stays below the sum (5% + 1% per extra look), and a clear step stops at the
// minimum rounds instead of needing the 5 a side that a 99% interval needs at all.
import { hodgesLehmannRatio } from '../stats/index.ts';
import { positionOf, type RatioCi } from './position.ts';
import type { Judge, Position } from './types.ts';

export type TrioRole = 'base' | 'candidate' | 'head';

export interface TrioOptions {
  minRounds: number;
  maxRounds: number;
  /** One fresh-server run of one role: the decisive metric's value, or null when the run failed. */
  measure: (role: TrioRole, round: number) => Promise<number | null>;
  judge: Judge;
  /** head/base on the decisive metric, from the confirmation. */
  confirmedRatio: number;
  onRound?: (round: number, planned: number, order: TrioRole[]) => void;
  signal?: AbortSignal;
  random?: () => number;
}

export interface TrioOutcome {
  position: Position;
  /** Candidate against base. */
  ratio: RatioCi | null;
  rounds: number;
  confidence: number;
  values: Record<TrioRole, number[]>;
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function ratioCi(base: number[], head: number[], confidence: number): RatioCi | null {
  if (base.length < 2 || head.length < 2) return null;
  const r = hodgesLehmannRatio(base, head, confidence);
  return { ratio: r.ratio, lo: r.lo, hi: r.hi };
}

const UNPLACED: Position = { estimate: NaN, lo: -Infinity, hi: Infinity };

/** Places a candidate from the values measured so far; unplaced while any side has fewer than 2 runs. */
export function placeCandidate(values: Record<TrioRole, number[]>, confidence: number, confirmedRatio: number): { position: Position; ratio: RatioCi | null } {
  const candidateVsBase = ratioCi(values.base, values.candidate, confidence);
  const candidateVsHead = ratioCi(values.head, values.candidate, confidence);
  const headVsBase = ratioCi(values.base, values.head, confidence);
  if (!candidateVsBase || !candidateVsHead || !headVsBase) return { position: UNPLACED, ratio: candidateVsBase };
  return { position: positionOf({ candidateVsBase, candidateVsHead, headVsBase, confirmedRatio }), ratio: candidateVsBase };
}

export async function runTrio(opts: TrioOptions): Promise<TrioOutcome> {
  if (opts.minRounds < 2 || opts.maxRounds < opts.minRounds) throw new RangeError(`rounds must satisfy 2 <= min <= max (got ${opts.minRounds}..${opts.maxRounds})`);
  const random = opts.random ?? Math.random;
  const values: Record<TrioRole, number[]> = { base: [], candidate: [], head: [] };
  let rounds = 0;
  let planned = opts.minRounds;
  let confidence = 0.95;
  for (;;) {
    while (rounds < planned) {
      opts.signal?.throwIfAborted();
      const order = shuffled<TrioRole>(['base', 'candidate', 'head'], random);
      for (const role of order) {
        const value = await opts.measure(role, rounds);
        if (value !== null && Number.isFinite(value) && value > 0) values[role].push(value);
      }
      rounds++;
      opts.onRound?.(rounds, planned, order);
    }
    const placed = placeCandidate(values, confidence, opts.confirmedRatio);
    if (opts.judge(placed.position) !== 'unknown' || rounds >= opts.maxRounds) {
      return { ...placed, rounds, confidence, values };
    }
    planned = Math.min(opts.maxRounds, rounds + Math.max(2, Math.ceil(opts.minRounds / 2)));
    confidence = 0.99;
  }
}
