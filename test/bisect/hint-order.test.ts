// Hints order the package search: the package they point at is measured alone first. An ordering, not a
// shortcut: the culprit is still proven by measurement, a right guess saves steps, and a wrong one costs
// about one probe.
import { describe, expect, it } from 'vitest';
import { searchCulprit, type PackageChange } from '../../src/bisect/index.ts';
import { from, makeWorld } from './fake-world.ts';

const NAMES = ['color', 'deep-merge', 'html-escape', 'ms-format', 'query-string-lite', 'retry-policy', 'textkit', 'units', 'uuid-lite'];
const RELEASES: Record<string, string[]> = Object.fromEntries(
  NAMES.map((n) => [n, n === 'textkit' ? ['1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.7.0', '1.8.0', '1.9.0'] : ['1.0.0', '1.1.0', '2.0.0']]),
);
const PACKAGES: PackageChange[] = NAMES.map((name) => ({ name, from: RELEASES[name][0], to: RELEASES[name].at(-1)! }));

async function search(first: string | undefined, seed: number) {
  const world = makeWorld({ packages: PACKAGES, releases: RELEASES, effect: from('textkit', '1.6.0', RELEASES, Math.log(3)), seed });
  const budget = world.budget(20);
  budget.charge();
  const result = await searchCulprit({ packages: PACKAGES, releasesBetween: world.releasesBetween, oracle: world.oracle, budget, ...(first ? { first } : {}) });
  return { result, probes: world.probes, steps: budget.used };
}

describe('a package the hints point at', () => {
  it('is measured alone first, and found with fewer steps than halving', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const hinted = await search('textkit', seed);
      const plain = await search(undefined, seed);
      expect(hinted.probes[0].versions).toEqual({ textkit: '1.9.0' });
      expect(hinted.result.culprit).toMatchObject({ name: 'textkit', lastGood: '1.5.0', firstBad: '1.6.0' });
      expect(plain.result.culprit).toMatchObject({ name: 'textkit', lastGood: '1.5.0', firstBad: '1.6.0' });
      // Halving 9 packages takes 4 probes to reach textkit; the hint takes 1.
      expect(hinted.steps).toBeLessThan(plain.steps);
    }
  });

  it('a wrong hint still finds the culprit, at the cost of about one probe', async () => {
    for (const seed of [1, 2, 3]) {
      const wrong = await search('units', seed);
      const plain = await search(undefined, seed);
      expect(wrong.probes[0].versions).toEqual({ units: '2.0.0' });
      expect(wrong.result.culprit).toMatchObject({ name: 'textkit', lastGood: '1.5.0', firstBad: '1.6.0' });
      expect(wrong.steps).toBeLessThanOrEqual(plain.steps + 1);
    }
  });
});
