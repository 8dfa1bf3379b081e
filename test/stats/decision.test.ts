// The gate's rule: "is head worse by δ or more?" with no dead zone at δ, "below threshold" for real
// changes under δ, and a "~N pairs would settle it" that holds.
import { describe, expect, it } from 'vitest';
import {
  decideGate,
  detectableChange,
  GATE_RULE,
  gateEvidence,
  mannWhitneyU,
  oneSidedShiftP,
  oneSidedSignedRankP,
  pairedGateEvidence,
  pairedRatio,
  pairsToSettle,
  type GateDirection,
  type GateVerdict,
} from '../../src/stats/index.ts';
import { normalSource, seededRandom } from './random.ts';

const d = 0.05;
/** A decision with p-values that either carry a claim (0.001) or not (0.9). */
const gate = (ratio: number, lo: number, hi: number, dir: GateDirection, claims: { worse?: boolean; better?: boolean; real?: boolean } = {}) =>
  decideGate({ ratio, lo, hi, pWorseAdjusted: claims.worse ? 0.001 : 0.9, pBetterAdjusted: claims.better ? 0.001 : 0.9, pChangeAdjusted: claims.real ? 0.001 : 0.9 }, d, dir);

/** Runs of one side: log-normal around `centre` with run-to-run CV `cv`. */
function runsOf(normal: () => number, n: number, centre: number, cv: number): number[] {
  return Array.from({ length: n }, () => centre * Math.exp(cv * normal()));
}

/**
 * The verdict of one metric from its runs, as the first step of Holm would judge it in a family of
 * `family` gated tests (8: the default four gated metrics of a two-scenario job).
 */
function verdictOf(base: number[], head: number[], dir: GateDirection, family = 8): GateVerdict {
  const e = gateEvidence(base, head, d, dir);
  const claim = Math.min(1, family * Math.min(e.pWorse, e.pBetter));
  const change = Math.min(1, family * mannWhitneyU(head, base).p);
  return decideGate(
    { ratio: e.ratio, lo: e.lo, hi: e.hi, pWorseAdjusted: e.pWorse <= e.pBetter ? claim : 1, pBetterAdjusted: e.pWorse <= e.pBetter ? 1 : claim, pChangeAdjusted: change },
    d, dir,
  );
}

describe('decideGate', () => {
  it('latency (lower is better): regression, cannot tell, below threshold, unchanged, improvement', () => {
    const down = 'lower-is-better' as const;
    // Clearly past δ/2 and the interval reaches δ: worse by δ as far as the runs can tell.
    expect(gate(1.05, 1.035, 1.065, down, { worse: true, real: true })).toBe('regression');
    // Same interval without a clear claim past δ/2 (e.g. after Holm): cannot tell.
    expect(gate(1.05, 1.035, 1.065, down, { real: true })).toBe('inconclusive');
    // Real, and shown to be under δ: below threshold, whatever the claim test says.
    expect(gate(1.04, 1.035, 1.045, down, { worse: true, real: true })).toBe('below-threshold');
    expect(gate(1.02, 1.01, 1.03, down, { real: true })).toBe('below-threshold');
    // Not worse by δ and no change shown.
    expect(gate(1.01, 0.98, 1.04, down)).toBe('unchanged');
    // A wide interval on the good side only still clears the gate.
    expect(gate(0.97, 0.8, 1.04, down)).toBe('unchanged');
    // The mirror image of a regression.
    expect(gate(0.9, 0.87, 0.93, down, { better: true, real: true })).toBe('improvement');
    // Better, but shown to be better by less than δ: a change below the threshold.
    expect(gate(0.97, 0.965, 0.975, down, { better: true, real: true })).toBe('below-threshold');
    // Exactly at δ counts as reaching it.
    expect(gate(1.03, 1.01, 1.05, down, { real: true })).toBe('inconclusive');
  });

  it('throughput (higher is better) uses the plain band: down to 0.95× is 5% worse', () => {
    const up = 'higher-is-better' as const;
    expect(gate(0.95, 0.935, 0.965, up, { worse: true, real: true })).toBe('regression');
    expect(gate(0.96, 0.955, 0.965, up, { worse: true, real: true })).toBe('below-threshold');
    expect(gate(1.0, 0.96, 1.04, up)).toBe('unchanged');
    expect(gate(1.0, 0.94, 1.04, up)).toBe('inconclusive');
    expect(gate(1.1, 1.07, 1.13, up, { better: true, real: true })).toBe('improvement');
  });

  it('an unbounded or broken interval cannot tell, and bad settings throw', () => {
    expect(gate(1, 0, Infinity, 'higher-is-better', { worse: true })).toBe('inconclusive');
    expect(gate(NaN, 0.99, 1.01, 'higher-is-better')).toBe('inconclusive');
    expect(() => decideGate({ ratio: 1, lo: 1, hi: 1, pWorseAdjusted: 1, pBetterAdjusted: 1, pChangeAdjusted: 1 }, -0.1, 'lower-is-better')).toThrow(RangeError);
    expect(() => gateEvidence([1, 2], [1, 2], 0.05, 'lower-is-better', { ...GATE_RULE, margin: 1 })).toThrow(RangeError);
  });
});

describe('no dead zone at δ (simulation, one metric, CV 2%)', () => {
  const rates = (factor: number, pairs: number, sims: number, seed: number) => {
    const normal = normalSource(seededRandom(seed));
    const out: Record<GateVerdict, number> = { regression: 0, improvement: 0, 'below-threshold': 0, unchanged: 0, inconclusive: 0 };
    for (let s = 0; s < sims; s++) out[verdictOf(runsOf(normal, pairs, 1000, 0.02), runsOf(normal, pairs, 1000 * factor, 0.02), 'lower-is-better')]++;
    for (const k of Object.keys(out) as GateVerdict[]) out[k] /= sims;
    return out;
  };

  it('a change of exactly δ is called a regression ever more surely as pairs grow, never settled the other way', () => {
    const at10 = rates(1.05, 10, 400, 1);
    const at40 = rates(1.05, 40, 400, 2);
    expect(at40.regression).toBeGreaterThan(at10.regression);
    expect(at40.regression).toBeGreaterThan(0.9);
    // Cleared as "not worse by δ" at most β of the time, at any number of pairs.
    for (const r of [at10, at40]) expect(r.unchanged + r['below-threshold']).toBeLessThanOrEqual(GATE_RULE.beta + 0.02);
  });

  it('a real change under δ ends "below threshold" once measured enough, and under δ/2 is (almost) never a regression', () => {
    const near = rates(1.035, 80, 300, 3);
    expect(near['below-threshold']).toBeGreaterThan(0.8);
    for (const pairs of [10, 15, 40]) expect(rates(1.02, pairs, 300, 4 + pairs).regression).toBeLessThan(0.01);
  });
});

describe('gateEvidence', () => {
  it('one-sided shift p-values point the right way', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8].map((v) => v / 100);
    const up = x.map((v) => v + 0.2);
    expect(oneSidedShiftP(x, up, 0, 1)).toBeLessThan(0.001);
    expect(oneSidedShiftP(x, up, 0, -1)).toBeGreaterThan(0.5);
    // Shifted past the true difference, "greater" has no evidence any more.
    expect(oneSidedShiftP(x, up, 0.3, 1)).toBeGreaterThan(0.5);
    expect(oneSidedShiftP(x, up, 0.3, -1)).toBeLessThan(0.001);
  });

  it('a calibrated noise floor widens a lucky narrow interval and weakens its p-values, never the other way', () => {
    const normal = normalSource(seededRandom(9));
    const base = runsOf(normal, 10, 1000, 0.005);
    const head = runsOf(normal, 10, 1040, 0.005);
    const plain = gateEvidence(base, head, d, 'lower-is-better');
    const floored = gateEvidence(base, head, d, 'lower-is-better', GATE_RULE, { cv: 0.05 });
    expect(floored.floored).toBe(true);
    expect(floored.lo).toBeLessThan(plain.lo);
    expect(floored.hi).toBeGreaterThan(plain.hi);
    expect(floored.pWorse).toBeGreaterThanOrEqual(plain.pWorse);
    expect(floored.ratio).toBe(plain.ratio);
    // 5% noise over 10 runs a side: the 90% interval is at least ±1.645 · 5% · √(2/10) wide on the log scale.
    expect(Math.log(floored.hi / floored.lo)).toBeGreaterThanOrEqual(2 * 1.6448 * 0.05 * Math.sqrt(0.2));
    const quiet = gateEvidence(base, head, d, 'lower-is-better', GATE_RULE, { cv: 0.0001 });
    expect(quiet.floored).toBe(false);
    expect([quiet.lo, quiet.hi]).toEqual([plain.lo, plain.hi]);
  });
});

describe('pairedGateEvidence', () => {
  it('one-sided signed-rank p-values point the right way', () => {
    const diffs = [3, -1, 4, 1, 5, 9, 2, 6, 5, 3].map((v) => v / 100);
    expect(oneSidedSignedRankP(diffs, 0, 1)).toBeLessThan(0.01);
    expect(oneSidedSignedRankP(diffs, 0, -1)).toBeGreaterThan(0.5);
    expect(oneSidedSignedRankP(diffs, 0.2, 1)).toBeGreaterThan(0.5);
    expect(oneSidedSignedRankP(diffs, 0.2, -1)).toBeLessThan(0.01);
    expect(oneSidedSignedRankP([0, 0, 0], 0, 1)).toBe(1);
  });

  it('reads the per-pair ratios: a drift shared by both runs of a pair does not widen it', () => {
    const normal = normalSource(seededRandom(21));
    // Each pair sits somewhere in ±15% (a machine drifting), head 3% above base within the pair, 1% noise.
    const level = Array.from({ length: 12 }, (_, i) => 1000 * (1 + 0.15 * Math.sin(i)));
    const base = level.map((l) => l * Math.exp(0.01 * normal()));
    const head = level.map((l) => l * 1.03 * Math.exp(0.01 * normal()));
    const paired = pairedGateEvidence(base, head, d, 'lower-is-better');
    const unpaired = gateEvidence(base, head, d, 'lower-is-better');
    expect(paired).toMatchObject({ paired: true, pairs: 12, floored: false });
    expect(paired.ratio).toBeCloseTo(pairedRatio(base, head, 0.9).ratio, 12);
    expect([paired.lo, paired.hi]).toEqual([pairedRatio(base, head, 0.9).lo, pairedRatio(base, head, 0.9).hi]);
    expect(paired.hi).toBeLessThan(1.05);
    expect(paired.lo).toBeGreaterThan(1);
    expect(paired.spread).toBeLessThan(unpaired.spread / 4);
    // Clearly past the harmless edge (2.5%)? Not with a 3% change and 1% noise over 12 pairs; but clearly not 5% worse.
    expect(decideGate({ ratio: paired.ratio, lo: paired.lo, hi: paired.hi, pWorseAdjusted: paired.pWorse, pBetterAdjusted: 1, pChangeAdjusted: paired.pChange }, d, 'lower-is-better')).toBe('below-threshold');
    expect(decideGate({ ratio: unpaired.ratio, lo: unpaired.lo, hi: unpaired.hi, pWorseAdjusted: unpaired.pWorse, pBetterAdjusted: 1, pChangeAdjusted: unpaired.pChange }, d, 'lower-is-better')).toBe('inconclusive');
  });

  it('a calibrated floor holds for pairs too, and mismatched sides throw', () => {
    const base = [100, 101, 99, 100, 102, 98, 100, 101];
    const head = base.map((v) => v * 1.04);
    const floored = pairedGateEvidence(base, head, d, 'lower-is-better', GATE_RULE, { cv: 0.05 });
    expect(floored.floored).toBe(true);
    // 5% per run: a per-pair ratio carries √2 · 5%, over 8 pairs a standard error of 2.5%.
    expect(Math.log(floored.hi / floored.lo)).toBeGreaterThanOrEqual(2 * 1.6448 * 0.05 * Math.sqrt(2 / 8) - 1e-12);
    expect(() => pairedGateEvidence(base, head.slice(1), d, 'lower-is-better')).toThrow(RangeError);
  });
});

describe('pairsToSettle', () => {
  it('is finite for every estimate (no dead zone), larger in the middle of the zone and with more noise', () => {
    const at = (ratio: number, spread: number) => pairsToSettle({ ratio, spread, pairs: 10 }, d, 'lower-is-better');
    for (const ratio of [1, 1.02, 1.025, 1.0375, 1.05, 1.08]) expect(at(ratio, 0.03)).not.toBeNull();
    expect(at(1.0375, 0.03)!).toBeGreaterThan(at(1.01, 0.03)!);
    expect(at(1.0375, 0.06)!).toBeGreaterThan(at(1.0375, 0.03)!);
    // Out of reach: said so (null) rather than a made-up number.
    expect(at(1.0375, 1)).toBeNull();
  });

  it('is true: measuring the pairs it names settles an open metric most of the time (simulation)', () => {
    const normal = normalSource(seededRandom(21));
    const cv = 0.03;
    let open = 0;
    let settled = 0;
    for (let s = 0; s < 400 && open < 60; s++) {
      // Changes across the zone and beyond it.
      const factor = [1, 1.02, 1.035, 1.05, 1.07][s % 5];
      const base = runsOf(normal, 10, 1000, cv);
      const head = runsOf(normal, 10, 1000 * factor, cv);
      if (verdictOf(base, head, 'lower-is-better') !== 'inconclusive') continue;
      const n = pairsToSettle(gateEvidence(base, head, d, 'lower-is-better'), d, 'lower-is-better', 8);
      if (n === null) continue;
      open++;
      const more = Math.max(0, n - 10);
      const verdict = verdictOf([...base, ...runsOf(normal, more, 1000, cv)], [...head, ...runsOf(normal, more, 1000 * factor, cv)], 'lower-is-better');
      if (verdict !== 'inconclusive') settled++;
    }
    expect(open).toBeGreaterThanOrEqual(30);
    expect(settled / open).toBeGreaterThanOrEqual(0.7);
  });
});

describe('detectableChange', () => {
  it('is called a regression roughly 4 times in 5 at the pairs it was computed for (simulation)', () => {
    // The normal approximation behind it is a little optimistic for the exact rank test at 10 runs a
    // side (measured ≈ 70%), so the check is a band, not a point.
    const cv = 0.02;
    const change = detectableChange(cv * Math.SQRT2, 10, d, 'lower-is-better', 8);
    expect(change).toBeGreaterThan(d / 2);
    const normal = normalSource(seededRandom(31));
    let called = 0;
    for (let s = 0; s < 400; s++) if (verdictOf(runsOf(normal, 10, 1000, cv), runsOf(normal, 10, 1000 * (1 + change), cv), 'lower-is-better', 8) === 'regression') called++;
    expect(called / 400).toBeGreaterThan(0.65);
    expect(called / 400).toBeLessThan(0.92);
  });
});
