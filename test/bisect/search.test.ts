// The search against simulated noisy projects: the right package and release, within the cost goal,
// through interactions, split slowdowns, releases that do not install, and budgets too small to finish.
import { describe, expect, it } from 'vitest';
import { costGoal, searchCulprit, type PackageChange } from '../../src/bisect/index.ts';
import { from, makeWorld, type WorldSpec } from './fake-world.ts';

const TEXTKIT_RELEASES = ['1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.7.0', '1.8.0', '1.9.0'];
const SEEDS = Array.from({ length: 60 }, (_, i) => i + 1);

function groupedSpec(culprit: string, logFactor = Math.log(3)): Pick<WorldSpec, 'packages' | 'releases' | 'effect'> {
  const names = ['color', 'deep-merge', 'html-escape', 'ms-format', 'query-string-lite', 'retry-policy', 'textkit', 'units', 'uuid-lite'];
  const releases: Record<string, string[]> = {};
  const packages: PackageChange[] = names.map((name) => {
    releases[name] = name === culprit ? TEXTKIT_RELEASES : ['1.0.0', '1.1.0', '2.0.0'];
    return { name, from: releases[name][0], to: releases[name].at(-1)! };
  });
  // The culprit has textkit's eight releases whatever its name; its first bad release is 1.6.0.
  return { packages, releases, effect: from(culprit, '1.6.0', releases, logFactor) };
}

/** Runs the search as the pipeline does: the confirmation has already cost one step. */
async function search(spec: WorldSpec, maxSteps = 12) {
  const world = makeWorld(spec);
  const budget = world.budget(maxSteps);
  budget.charge();
  const result = await searchCulprit({ packages: spec.packages, releasesBetween: world.releasesBetween, oracle: world.oracle, budget });
  return { ...result, world, steps: budget.used };
}

describe('searchCulprit on one bumped package', () => {
  const releases = { textkit: TEXTKIT_RELEASES };
  const packages = [{ name: 'textkit', from: '1.2.0', to: '1.9.0' }];

  it.each(SEEDS)('seed %i: finds textkit 1.6.0 (3×, 3 percent noise) within the cost goal', async (seed) => {
    const r = await search({ packages, releases, effect: from('textkit', '1.6.0', releases, Math.log(3)), seed });
    expect(r.culprit).toMatchObject({ name: 'textkit', lastGood: '1.5.0', firstBad: '1.6.0', narrowedOnly: false });
    expect(r.steps).toBeLessThanOrEqual(costGoal(1, 6));
    // The re-check measured the adjacent pair and found about the whole effect.
    expect(r.culprit!.recheck!.pairs).toBeGreaterThan(10);
    expect(r.culprit!.share).toBeGreaterThan(0.8);
    expect(r.notes.join(' ')).not.toMatch(/More than one release/);
  });

  it('finds a small slowdown (1.25×) under 6% noise, adding rounds where a step is unclear', async () => {
    let extra = 0;
    for (const seed of SEEDS.slice(0, 6)) {
      const r = await search({ packages, releases, effect: from('textkit', '1.4.0', releases, Math.log(1.25)), cv: 0.06, minRounds: 5, maxRounds: 14, seed });
      expect(r.culprit).toMatchObject({ lastGood: '1.3.0', firstBad: '1.4.0' });
      extra += r.world.rounds.filter((n) => n > 5).length;
    }
    expect(extra).toBeGreaterThan(0);
  });

  it('verify: when the re-check of the named pair disagrees, it measures the ends again and backtracks to the true culprit', async () => {
    for (const seed of SEEDS.slice(0, 5)) {
      const world = makeWorld({ packages, releases, effect: from('textkit', '1.6.0', releases, Math.log(3)), seed });
      // The first probe is misjudged (a neighbour's burst during that step): 1.5.0, truly good, reads as bad.
      let lied = false;
      const oracle = {
        ...world.oracle,
        async probe(versions: Record<string, string>, label: string, judge: Parameters<typeof world.oracle.probe>[2]) {
          const probe = await world.oracle.probe(versions, label, judge);
          if (!lied && versions.textkit === '1.5.0') {
            lied = true;
            return { ...probe, position: { estimate: 1, lo: 0.9, hi: 1.1 } };
          }
          return probe;
        },
      };
      const budget = world.budget(16);
      budget.charge();
      const r = await searchCulprit({ packages, releasesBetween: world.releasesBetween, oracle, budget });
      expect(lied).toBe(true);
      expect(r.culprit, `seed ${seed}`).toMatchObject({ name: 'textkit', lastGood: '1.5.0', firstBad: '1.6.0' });
      expect(r.notes.join('\n')).toMatch(/re-check of textkit 1\.4\.0 → 1\.5\.0 disagreed with the search/);
      expect(r.culprit!.share).toBeGreaterThan(0.8);
    }
  });

  it('skips a release that does not install and reports it, without spending a step on it', async () => {
    const r = await search({
      packages, releases, effect: from('textkit', '1.6.0', releases, Math.log(3)),
      installFails: (v) => v.textkit === '1.6.0',
    });
    expect(r.culprit).toMatchObject({ lastGood: '1.5.0', firstBad: '1.7.0', skipped: ['1.6.0'] });
    expect(r.notes.join('\n')).toMatch(/1\.6\.0 could not be installed and was skipped/);
    expect(r.notes.join('\n')).toMatch(/arrived in 1\.6\.0 or 1\.7\.0/);
    const measured = r.world.probes.filter((p) => p.position !== null).length;
    expect(r.steps).toBe(measured + 1);
  });

  it('says more than one release contributed when the slowdown comes in two halves', async () => {
    const halfA = from('textkit', '1.4.0', releases, Math.log(1.8));
    const halfB = from('textkit', '1.7.0', releases, Math.log(1.8));
    const r = await search({ packages, releases, effect: (at) => halfA(at) + halfB(at), seed: 3 });
    // The first release that carries a clear part of it is the first bad one; the re-check shows its part.
    expect(r.culprit).toMatchObject({ lastGood: '1.3.0', firstBad: '1.4.0' });
    expect(r.culprit!.share).toBeGreaterThan(0.3);
    expect(r.culprit!.share).toBeLessThan(0.7);
    expect(r.notes.join(' ')).toMatch(/More than one release contributed/);
  });

  it.each([2, 3, 4])('with maxSteps %i reports the narrowest range that holds the first bad release, never a guess', async (maxSteps) => {
    const many = Array.from({ length: 30 }, (_, i) => `1.${i}.0`);
    const rel = { textkit: many };
    const r = await search({ packages: [{ name: 'textkit', from: '1.0.0', to: '1.29.0' }], releases: rel, effect: from('textkit', '1.17.0', rel, Math.log(3)) }, maxSteps);
    const c = r.culprit!;
    expect(c.narrowedOnly).toBe(true);
    expect(r.steps).toBe(maxSteps);
    const index = (v: string) => many.indexOf(v);
    expect(index(c.lastGood)).toBeLessThan(17);
    expect(index(c.firstBad)).toBeGreaterThanOrEqual(17);
    expect(r.notes.join(' ')).toMatch(/budget/);
  });
});

describe('searchCulprit over a grouped bump', () => {
  it.each(['textkit', 'color', 'uuid-lite', 'query-string-lite'])('finds %s among 9 packages within the cost goal', async (culprit) => {
    for (const seed of SEEDS) {
      const r = await search({ ...groupedSpec(culprit), seed });
      expect(r.culprit!.name).toBe(culprit);
      expect(r.culprit!.narrowedOnly).toBe(false);
      expect(r.culprit).toMatchObject({ lastGood: '1.5.0', firstBad: '1.6.0' });
      expect(r.steps).toBeLessThanOrEqual(costGoal(9, TEXTKIT_RELEASES.length - 2));
      expect(r.contributions).toHaveLength(1);
    }
  });

  it('finds two interacting packages: neither slows down alone, both together do', async () => {
    const spec = groupedSpec('textkit');
    const textkit = from('textkit', '1.6.0', spec.releases, Math.log(3));
    const units = from('units', '2.0.0', spec.releases, 1);
    const r = await search({ ...spec, effect: (at) => (units(at) ? textkit(at) : 0), seed: 5 }, 20);
    const names = [r.culprit!.name, ...r.culprit!.interactsWith].sort();
    expect(names).toEqual(['textkit', 'units']);
    expect(r.notes.join(' ')).toMatch(/interacts with another change/);
    if (r.culprit!.name === 'textkit') expect(r.culprit).toMatchObject({ lastGood: '1.5.0', firstBad: '1.6.0' });
    else expect(r.culprit).toMatchObject({ lastGood: '1.1.0', firstBad: '2.0.0' });
  });

  it('reports a slowdown split across two packages, each with its share', async () => {
    const spec = groupedSpec('textkit');
    const textkit = from('textkit', '1.6.0', spec.releases, Math.log(2));
    const color = from('color', '1.1.0', spec.releases, Math.log(1.6));
    const r = await search({ ...spec, effect: (at) => textkit(at) + color(at), seed: 7 }, 20);
    expect(r.contributions.map((c) => c.names.join())).toEqual(['textkit', 'color']);
    const [t, c] = r.contributions.map((x) => x.share);
    // log 2 / log 3.2 ≈ 0.60 and log 1.6 / log 3.2 ≈ 0.40.
    expect(t).toBeGreaterThan(0.45);
    expect(t).toBeLessThan(0.75);
    expect(c).toBeGreaterThan(0.25);
    expect(c).toBeLessThan(0.55);
    expect(r.notes.join(' ')).toMatch(/split/);
    expect(r.culprit).toMatchObject({ name: 'textkit', firstBad: '1.6.0' });
  });

  it('with a budget too small for the packages, narrows to a group that holds the culprit', async () => {
    const r = await search({ ...groupedSpec('textkit'), seed: 2 }, 2);
    expect(r.culprit!.narrowedOnly).toBe(true);
    expect(r.culprit!.name.split(' / ')).toContain('textkit');
    expect(r.culprit!.name.split(' / ').length).toBeGreaterThan(1);
  });
});

describe('searchCulprit with a package that is not from a registry', () => {
  // regionkit changed from one file: tarball to another (or gitkit from one commit to another): no
  // release list exists between them, so the release search is the one step from → to.
  const regionkit: PackageChange = { name: 'regionkit', from: '1.0.0', to: '1.1.0', noReleases: true };

  it('names it from → to without asking for releases, and re-checks that pair', async () => {
    const spec = groupedSpec('textkit');
    const releases = { ...spec.releases, regionkit: ['1.0.0', '1.1.0'] };
    const world = makeWorld({ packages: [...spec.packages, regionkit], releases, effect: from('regionkit', '1.1.0', releases, Math.log(3)), seed: 4 });
    const budget = world.budget(12);
    budget.charge();
    const asked: string[] = [];
    const result = await searchCulprit({
      packages: [...spec.packages, regionkit],
      releasesBetween: async (pkg) => {
        asked.push(pkg.name);
        return world.releasesBetween(pkg);
      },
      oracle: world.oracle,
      budget,
    });
    expect(asked).toEqual([]);
    expect(result.culprit).toMatchObject({ name: 'regionkit', lastGood: '1.0.0', firstBad: '1.1.0', narrowedOnly: false });
    // Only package-level probes and the re-check: no release of regionkit was probed.
    expect(world.probes.filter((p) => p.label.startsWith('regionkit ') && !p.label.startsWith('re-check')).length).toBe(0);
    expect(result.culprit!.recheck?.label).toBe('re-check regionkit 1.0.0 → 1.1.0');
  });

  it('alone, costs the confirmation and the re-check only', async () => {
    const releases = { regionkit: ['1.0.0', '1.1.0'] };
    const r = await search({ packages: [regionkit], releases, effect: from('regionkit', '1.1.0', releases, Math.log(3)), seed: 9 });
    expect(r.culprit).toMatchObject({ name: 'regionkit', lastGood: '1.0.0', firstBad: '1.1.0' });
    expect(r.steps).toBe(2);
  });
});
