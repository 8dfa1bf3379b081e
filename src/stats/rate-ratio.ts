// Do two event rates differ? Events (outbound calls) counted in windows, each window with its exposure
// (requests served in it), on two sides. Given the total, the head's share of the events is binomial
// with p0 = head's share of the exposure when the rates are equal (the exact conditional test for two
// Poisson rates). Calls are rarely Poisson: they come in bursts (a retry, a pool refilling) or are
// strictly one per request. The spread between windows says which: counts are divided by the
// dispersion it shows (quasi-Poisson), never by less than 1, so bursts widen the interval and a
// deterministic count is still judged as conservatively as Poisson.
import { binomialCdf, binomialSf, clopperPearson } from './binomial.ts';

export interface WindowCounts {
  /** Events per window. */
  events: readonly number[];
  /** Exposure per window (requests served), same length. */
  exposure: readonly number[];
}

export interface RateRatioResult {
  /** Events per unit of exposure. */
  rateBase: number;
  rateHead: number;
  /** rateHead / rateBase; Infinity when base had none, null when neither side had any. */
  ratio: number | null;
  /** Interval of the ratio at `confidence` (upper bound Infinity when base had none). */
  ci: [number, number] | null;
  /** Two-sided p-value. */
  p: number;
  /** The dispersion the counts were divided by (>= 1). */
  dispersion: number;
  events: { base: number; head: number };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Pearson's χ² of the windows around the side's own rate, and its degrees of freedom. */
function pearson(side: WindowCounts): { chi2: number; df: number } {
  const rate = sum(side.events) / Math.max(sum(side.exposure), Number.MIN_VALUE);
  let chi2 = 0;
  let windows = 0;
  for (let i = 0; i < side.events.length; i++) {
    const expected = rate * side.exposure[i];
    if (side.exposure[i] <= 0) continue;
    windows++;
    if (expected > 0) chi2 += (side.events[i] - expected) ** 2 / expected;
  }
  return { chi2, df: Math.max(0, windows - 1) };
}

export function rateRatioTest(base: WindowCounts, head: WindowCounts, confidence = 0.99): RateRatioResult {
  const eb = sum(base.events);
  const eh = sum(head.events);
  const rb = sum(base.exposure);
  const rh = sum(head.exposure);
  if (rb <= 0 || rh <= 0) throw new RangeError('rateRatioTest needs exposure on both sides');
  const rateBase = eb / rb;
  const rateHead = eh / rh;
  const fits = [pearson(base), pearson(head)].filter((f) => f.df > 0);
  const df = fits.reduce((a, f) => a + f.df, 0);
  const dispersion = df > 0 ? Math.max(1, fits.reduce((a, f) => a + f.chi2, 0) / df) : 1;
  const events = { base: eb, head: eh };
  if (eb + eh === 0) return { rateBase, rateHead, ratio: null, ci: null, p: 1, dispersion, events };

  const k = Math.round(eh / dispersion);
  const n = Math.max(k, Math.round((eb + eh) / dispersion));
  const p0 = rh / (rb + rh);
  const p = n === 0 ? 1 : Math.min(1, 2 * Math.min(binomialCdf(k, n, p0), binomialSf(k, n, p0)));
  // The head's share π maps to the rate ratio π/(1-π) · rb/rh.
  const toRatio = (share: number) => (share >= 1 ? Infinity : (share / (1 - share)) * (rb / rh));
  const [lo, hi] = n === 0 ? [0, 1] : clopperPearson(k, n, confidence);
  return {
    rateBase,
    rateHead,
    ratio: eb === 0 ? Infinity : rateHead / rateBase,
    ci: [toRatio(lo), toRatio(hi)],
    p,
    dispersion,
    events,
  };
}
