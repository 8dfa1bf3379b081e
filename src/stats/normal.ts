// The standard normal distribution, accurate to ~1e-15 relative, also far in the tails.
// simple-statistics' normal functions come from a 3-digit table / a 1e-7 erf approximation, which is not
// enough for p-values compared against SciPy at 1e-6 or for tiny p-values that Holm multiplies up.

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erfc(x) for x >= 0. Below 2.5 uses the all-positive series
 * erf(x) = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)) (no cancellation);
 * above, the Laplace continued fraction evaluated with the modified Lentz method (no underflow of 1 - erf).
 */
function erfcNonNegative(x: number): number {
  if (x < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - ((2 / SQRT_PI) * Math.exp(-x * x) * sum);
  }
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (SQRT_PI * f);
}

/** Complementary error function. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return x >= 0 ? erfcNonNegative(x) : 2 - erfcNonNegative(-x);
}

/** P(Z <= z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** P(Z >= z) for a standard normal Z (computed directly, so small upper tails keep their precision). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Two-sided p-value of a standard normal statistic: 2·P(Z >= |z|), capped at 1. */
export function normalTwoSidedP(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return Math.min(1, 2 * normalSf(Math.abs(z)));
}

/**
 * The z with P(Z <= z) = p. Bisection on the accurate cdf, then Newton steps: slower than a rational
 * approximation but needs no magic constants, and it is only called a few times per comparison.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // Work in the lower half so the tail probability keeps full precision.
  if (p > 0.5) return -normalQuantile(1 - p);
  let lo = -40;
  let hi = 0;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  let z = (lo + hi) / 2;
  for (let i = 0; i < 3; i++) {
    const pdf = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    if (pdf === 0) break;
    const step = (normalCdf(z) - p) / pdf;
    if (!Number.isFinite(step)) break;
    z -= step;
  }
  return z;
}
