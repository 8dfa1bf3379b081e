// The binomial distribution and Clopper-Pearson interval behind the outbound-call test, checked against
// SciPy 1.x (binom.cdf / binom.sf / beta.ppf / binomtest).
import { describe, expect, it } from 'vitest';
import { binomialCdf, binomialSf, clopperPearson, logGamma } from '../../src/stats/binomial.ts';
import { expectClose } from './helpers.ts';

describe('binomial distribution against SciPy', () => {
  it('cdf and sf, centre and far tails', () => {
    expectClose(binomialCdf(3, 10, 0.3), 0.6496107184000002, 1e-12, 0, 'binom.cdf(3, 10, 0.3)');
    expectClose(binomialSf(7, 100, 0.02), 0.00406205408010084, 1e-10, 0, 'binom.sf(6, 100, 0.02)');
    expectClose(binomialCdf(4900, 10000, 0.5), 0.023292763852473225, 1e-9, 0, 'binom.cdf(4900, 10000, 0.5)');
    expectClose(binomialCdf(0, 50, 0.5), 8.881784197001252e-16, 1e-9, 0, 'binom.cdf(0, 50, 0.5)');
  });

  it('edges: k outside 0..n, p at 0 and 1', () => {
    expect(binomialCdf(-1, 10, 0.5)).toBe(0);
    expect(binomialCdf(10, 10, 0.5)).toBe(1);
    expect(binomialSf(0, 10, 0.5)).toBe(1);
    expect(binomialSf(11, 10, 0.5)).toBe(0);
    expect(binomialCdf(3, 10, 0)).toBe(1);
    expect(binomialCdf(3, 10, 1)).toBe(0);
  });

  it('logGamma of integers is log((n-1)!)', () => {
    expectClose(logGamma(11), Math.log(3628800), 1e-13, 0, 'lgamma(11)');
    expectClose(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-13, 0, 'lgamma(0.5)');
  });

  it('Clopper-Pearson matches beta.ppf', () => {
    const [lo, hi] = clopperPearson(5, 20, 0.95);
    expectClose(lo, 0.08657146910143461, 1e-9, 0, 'lower');
    expectClose(hi, 0.49104587170795744, 1e-9, 0, 'upper');
    const [lo0, hi0] = clopperPearson(0, 20, 0.99);
    expect(lo0).toBe(0);
    expectClose(hi0, 0.23272950098907447, 1e-9, 0, 'upper with k = 0');
  });
});
