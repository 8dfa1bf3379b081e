// Fisher's exact test for a 2×2 table, one-sided: does the first group fail more often than the second?
// Used for failed runs (head vs base), where counts are small (10–15 runs a side) and one flaky base run
// must weaken the evidence, not erase it.

/** log C(n, k) by summing logs: exact enough for the few hundred runs a compare has. */
function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return -Infinity;
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * P(X >= a) for the hypergeometric count of failures in group 1 given the margins: group 1 has `a`
 * failures out of `n1` runs, group 2 `b` out of `n2`. SciPy: fisher_exact([[a, n1-a], [b, n2-b]],
 * alternative='greater').
 */
export function fisherExactGreater(a: number, n1: number, b: number, n2: number): number {
  for (const [v, name] of [[a, 'a'], [n1, 'n1'], [b, 'b'], [n2, 'n2']] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a whole number >= 0, got ${v}`);
  }
  if (a > n1 || b > n2) throw new RangeError('failures cannot exceed runs');
  const failures = a + b;
  const total = n1 + n2;
  if (total === 0) return 1;
  const denominator = logChoose(total, failures);
  let p = 0;
  for (let k = a; k <= Math.min(n1, failures); k++) p += Math.exp(logChoose(n1, k) + logChoose(n2, failures - k) - denominator);
  return Math.min(1, p);
}
