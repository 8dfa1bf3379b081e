// Holm's step-down adjustment (Holm 1979) for a family of tests: many scenarios × metrics would
// otherwise raise false alarms with every test added. Controls the family-wise error rate under any
// dependence between the tests, which we cannot rule out (all metrics come from the same runs).

/**
 * Holm-adjusted p-values, in the input order. With p sorted ascending p(1) <= … <= p(m):
 * adj(i) = min(1, max over j <= i of (m - j + 1)·p(j)), so the result is monotone in p and capped at 1.
 * NaN entries (tests that could not be run) stay NaN and are not counted in m.
 */
export function holm(pValues: readonly number[]): number[] {
  for (const p of pValues) {
    if (!Number.isNaN(p) && !(p >= 0 && p <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${p}`);
  }
  const order = pValues
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !Number.isNaN(p))
    .sort((a, b) => a.p - b.p);
  const m = order.length;
  const adjusted = pValues.map(() => NaN);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
