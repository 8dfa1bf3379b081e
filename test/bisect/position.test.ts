// Positions between base and head, the decision rules, and the trio schedule's extra rounds.
import { describe, expect, it } from 'vitest';
import { judgeSplit, judgeStep, positionOf, runTrio, verdictOf } from '../../src/bisect/index.ts';
import { seededRandom } from '../stats/random.ts';

const exact = (ratio: number) => ({ ratio, lo: ratio * 0.98, hi: ratio * 1.02 });

describe('positionOf', () => {
  it('puts a state carrying half of a 3× slowdown (on a log scale) at 0.5', () => {
    const half = Math.sqrt(3);
    const p = positionOf({ candidateVsBase: exact(half), candidateVsHead: exact(half / 3), headVsBase: exact(3), confirmedRatio: 3 });
    expect(p.estimate).toBeCloseTo(0.5, 5);
    expect(p.lo).toBeLessThan(0.5);
    expect(p.hi).toBeGreaterThan(0.5);
  });

  it('reads a throughput drop (ratio below 1) the same way as a CPU rise', () => {
    const p = positionOf({ candidateVsBase: exact(1 / 3), candidateVsHead: exact(1), headVsBase: exact(1 / 3), confirmedRatio: 1 / 3 });
    expect(p.estimate).toBeCloseTo(1, 5);
    expect(p.lo).toBeLessThan(p.hi);
  });

  it('uses the confirmed effect when this step barely reproduced it', () => {
    const p = positionOf({ candidateVsBase: exact(1.5), candidateVsHead: exact(1.5 / 1.05), headVsBase: exact(1.05), confirmedRatio: 3 });
    expect(p.estimate).toBeCloseTo((Math.log(1.5) / Math.log(3) + 1 + Math.log(1.5 / 1.05) / Math.log(3)) / 2, 5);
  });
});

describe('decision rules', () => {
  it('judgeStep: bad once a quarter has confidently arrived, good when confidently under half, else unknown', () => {
    expect(judgeStep({ estimate: 0.9, lo: 0.8, hi: 1 }, 0, 1)).toBe('bad');
    expect(judgeStep({ estimate: 0.02, lo: -0.1, hi: 0.2 }, 0, 1)).toBe('good');
    expect(judgeStep({ estimate: 0.3, lo: 0, hi: 0.7 }, 0, 1)).toBe('unknown');
    // Relative to the package's own share: 0.4 of the whole is all of a package carrying 0.4.
    expect(judgeStep({ estimate: 0.4, lo: 0.35, hi: 0.45 }, 0, 0.4)).toBe('bad');
  });

  it('judgeSplit: one half, the other, both, or unclear', () => {
    expect(judgeSplit({ estimate: 1, lo: 0.9, hi: 1.1 }, 0, 1)).toBe('bad');
    expect(judgeSplit({ estimate: 0, lo: -0.1, hi: 0.1 }, 0, 1)).toBe('good');
    expect(judgeSplit({ estimate: 0.5, lo: 0.4, hi: 0.6 }, 0, 1)).toBe('split');
    expect(judgeSplit({ estimate: 0.5, lo: -0.5, hi: 1.5 }, 0, 1)).toBe('unknown');
  });

  it('labels evidence against base and head', () => {
    expect(verdictOf({ estimate: 0, lo: -0.1, hi: 0.1 })).toBe('like-base');
    expect(verdictOf({ estimate: 1, lo: 0.9, hi: 1.1 })).toBe('like-head');
    expect(verdictOf({ estimate: 0.5, lo: 0.4, hi: 0.6 })).toBe('partial');
    expect(verdictOf({ estimate: 0.5, lo: -1, hi: 2 })).toBe('unknown');
    expect(verdictOf(null)).toBe('install-failed');
  });
});

describe('runTrio', () => {
  const noisy = (random: () => number, cv: number) => (level: number) => 100 * level * Math.exp(cv * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));

  it('stops at the minimum when the candidate is plainly like head, alternating all three each round', async () => {
    const random = seededRandom(4);
    const draw = noisy(random, 0.02);
    const seen: string[][] = [];
    const out = await runTrio({
      minRounds: 5, maxRounds: 10, confirmedRatio: 3, random, judge: (p) => judgeStep(p, 0, 1),
      measure: async (role) => draw(role === 'base' ? 1 : 3), onRound: (_r, _p, order) => seen.push(order),
    });
    expect(out.rounds).toBe(5);
    expect(judgeStep(out.position, 0, 1)).toBe('bad');
    expect(out.ratio!.ratio).toBeGreaterThan(2.5);
    for (const order of seen) expect([...order].sort()).toEqual(['base', 'candidate', 'head']);
    expect(new Set(seen.map((o) => o.join()))).not.toHaveProperty('size', 1);
  });

  it('adds rounds while the candidate sits where the judge cannot place it, up to the maximum', async () => {
    const random = seededRandom(9);
    const draw = noisy(random, 0.08);
    const out = await runTrio({
      minRounds: 5, maxRounds: 11, confirmedRatio: 1.3, random, judge: (p) => judgeStep(p, 0, 1),
      measure: async (role) => draw(role === 'base' ? 1 : role === 'head' ? 1.3 : Math.sqrt(1.3)),
    });
    expect(out.rounds).toBe(11);
    expect(out.values.candidate).toHaveLength(11);
  });

  it('leaves out failed runs and stays unplaced without two good runs a side', async () => {
    const out = await runTrio({
      minRounds: 2, maxRounds: 2, confirmedRatio: 2, judge: (p) => judgeStep(p, 0, 1),
      measure: async (role) => (role === 'candidate' ? null : role === 'base' ? 100 : 200),
    });
    expect(out.position.lo).toBe(-Infinity);
    expect(out.ratio).toBeNull();
  });
});
