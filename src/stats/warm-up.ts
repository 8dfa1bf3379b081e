// When is a server warm? A JIT (V8's tiers, PyPy's tracing JIT) makes the first seconds of load slower than
// the rest, by a little (V8) or by several times (PyPy; pyperf's maintainers give it ~10 warm-up values
// where CPython needs 1). Measuring before it settles would compare one side's compiler with the other's
// steady state. The rule: throughput per warm-up slice; warm once the mean of the last WINDOW slices is
// within TOLERANCE of the mean of the WINDOW before them, or within what the slices' own noise explains
// (t at 95% on the quieter window's spread: on a busy runner one short slice varies by 20%, and waiting
// for 5% there would only run into the bound). Comparing two windows rather than fitting a line over one sees a JIT that jumps
// after a plateau, as PyPy's does, once the jump is inside the last window. A plateau longer than the
// configured minimum still fools any rule: the minimum warm-up is the user's to raise for such a runtime.

/** Slices per window; the rule needs two windows. Three is the fewest with a spread to judge noise by. */
export const WARMUP_WINDOW = 3;
/** A change between the windows below this (fraction of the earlier) counts as no trend, however quiet the runner. */
export const WARMUP_TOLERANCE = 0.05;
/** Student's t at 95% two-sided for 2·WINDOW − 2 = 4 degrees of freedom. */
const T_95_4DF = 2.776;

export interface WindowChange {
  /** mean(last window) / mean(window before) − 1. */
  change: number;
  /** Standard error of that change, from the spread inside the quieter window. */
  noise: number;
}

/** The change between the last two windows of `values`; null while there are fewer than two windows. */
export function windowChange(values: readonly number[], window = WARMUP_WINDOW): WindowChange | null {
  if (window < 2 || values.length < 2 * window) return null;
  const before = values.slice(-2 * window, -window);
  const last = values.slice(-window);
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mb = mean(before);
  const ml = mean(last);
  if (mb <= 0) return { change: ml > 0 ? Infinity : 0, noise: 0 };
  // The quieter window's spread: a jump inside one window would otherwise pass itself off as noise.
  const variance = (xs: readonly number[], m: number) => xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  const quiet = Math.min(variance(before, mb), variance(last, ml));
  return { change: ml / mb - 1, noise: Math.sqrt((quiet * 2) / window) / mb };
}

/**
 * True once the last window of a per-slice series (throughput; CPU per request) no longer differs from the
 * one before by more than tolerance or noise.
 */
export function warmedUp(series: readonly number[], tolerance = WARMUP_TOLERANCE, window = WARMUP_WINDOW): boolean {
  const c = windowChange(series, window);
  if (!c) return false;
  return Math.abs(c.change) < Math.max(tolerance, (window === WARMUP_WINDOW ? T_95_4DF : 2) * c.noise);
}
