// Run-to-run variation: how noisy the runs of one side are, robustly, for the 5–20 runs we have.
import { median } from './ranks.ts';

/** 1 / Φ⁻¹(3/4): scales the MAD to estimate the standard deviation of normal data. */
const MAD_TO_SD = 1.482602218505602;

/**
 * Run-to-run coefficient of variation, robust for the 5-20 runs we have: 1.4826 · MAD / |median|.
 * One +30% outlier among 10 runs barely moves it, where sd/mean would jump (and with it every noise
 * floor derived from it). When more than half the values are equal the MAD is 0 although the runs do
 * vary; then it falls back to sd/|mean|, so the noise is never reported as zero unless it is.
 * NaN for fewer than 2 values or a zero centre.
 */
export function coefficientOfVariation(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const centre = median(values);
  const mad = median(values.map((v) => Math.abs(v - centre)));
  if (mad > 0) return centre === 0 ? NaN : (MAD_TO_SD * mad) / Math.abs(centre);
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (mean === 0) return NaN;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance) / Math.abs(mean);
}
