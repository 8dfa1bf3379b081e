// The whole search once the regression is confirmed: which package (group testing), which release of it
// (noisy binary search), then a re-check of the final adjacent pair with more pairs, whose effect is
// compared with the package's share: much smaller means more than one release contributed; nothing at
// all, for a package found only together with others, means it needs one of them (an interaction), and
// the partner is searched among those others.
import type { StepBudget } from './budget.ts';
import { headVersions, localizePackages, type FoundPart } from './package-search.ts';
import { judgeStep, MIN_SHARE, relative } from './position.ts';
import { searchReleases, type ReleaseSearchResult } from './release-search.ts';
import type { Oracle, PackageChange, Position, Probe, VersionSet } from './types.ts';

export interface CulpritSearchOptions {
  packages: PackageChange[];
  /** Releases strictly between `from` and `to`, in order from `from` to `to` (never asked for `noReleases` packages). */
  releasesBetween: (pkg: PackageChange) => Promise<string[]>;
  oracle: Oracle;
  budget: StepBudget;
  onProbe?: (probe: Probe) => void;
  onStep?: (message: string) => void;
  /** A package to measure first (from the hints); see PackageSearchOptions.first. */
  first?: string;
}

export interface Contribution {
  names: string[];
  /** Share of the whole slowdown (0..1, log scale). */
  share: number;
  unresolved?: string;
}

export interface CulpritFinding {
  name: string;
  from: string;
  to: string;
  lastGood: string;
  firstBad: string;
  narrowedOnly: boolean;
  /** Releases between lastGood and firstBad that did not install, or stayed unclear. */
  skipped: string[];
  unclear: string[];
  /** Packages it needs at head's version to show the slowdown. */
  interactsWith: string[];
  /** The re-check of lastGood → firstBad, when it ran. */
  recheck: Probe | null;
  /** The firstBad release's share of the whole slowdown (from the re-check), or the package's share. */
  share: number;
}

export interface CulpritSearchResult {
  culprit: CulpritFinding | null;
  /** What carries the slowdown, largest share first (several when it is split). */
  contributions: Contribution[];
  notes: string[];
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

export async function searchCulprit(opts: CulpritSearchOptions): Promise<CulpritSearchResult> {
  const notes: string[] = [];
  const { packages, oracle, budget } = opts;
  if (packages.length === 0) return { culprit: null, contributions: [], notes: ['no changed package with both versions known: nothing to search'] };
  const byName = (name: string) => packages.find((p) => p.name === name)!;

  // 1. Packages.
  const parts: FoundPart[] =
    packages.length === 1
      ? [{ names: [packages[0].name], low: 0, high: 1, context: [] }]
      : await localizePackages({ packages, oracle, budget, onProbe: opts.onProbe, onStep: opts.onStep, first: opts.first }, packages.map((p) => p.name), [], 0, 1);
  const share = (p: FoundPart) => p.high - p.low;
  parts.sort((x, y) => share(y) - share(x));
  const contributions: Contribution[] = parts.map((p) => ({ names: p.names, share: share(p), ...(p.unresolved ? { unresolved: p.unresolved } : {}) }));
  for (const p of parts) if (p.unresolved) notes.push(`Could not tell apart ${p.names.join(', ')}: ${p.unresolved}.`);
  if (parts.length > 1) {
    notes.push(`The slowdown is split: ${contributions.map((c) => `${c.names.join(' / ')} ≈${pct(c.share)}`).join(', ')} of the whole.`);
  }
  const main = parts[0];
  if (!main) {
    notes.push('No package or group of packages carried a clear part of the slowdown when applied alone.');
    return { culprit: null, contributions, notes };
  }
  if (main.names.length > 1) {
    return {
      culprit: {
        name: main.names.join(' / '), from: 'base', to: 'head', lastGood: 'base', firstBad: 'head', narrowedOnly: true,
        skipped: [], unclear: [], interactsWith: [], recheck: null, share: share(main),
      },
      contributions,
      notes,
    };
  }

  // 2. Releases of the main part, applied alone, then 3. the re-check.
  const pkg = byName(main.names[0]);
  const between = pkg.noReleases ? [] : await opts.releasesBetween(pkg);
  const versions = [pkg.from, ...between, pkg.to];
  let interactsWith: string[] = [];
  let context: VersionSet = {};
  const low = 0;
  const high = main.high;
  let releases = await searchReleases({ name: pkg.name, versions, low, high, oracle, budget, onProbe: opts.onProbe, onStep: opts.onStep });
  let recheck = await recheckPair(opts, pkg.name, releases, context);
  ({ releases, recheck } = await verifyPair(opts, pkg.name, versions, context, low, high, releases, recheck, notes));

  const alone = recheck?.position ? relative(recheck.position, 0, share(main)) : null;
  if (main.context.length > 0 && !releases.sawBad && alone && alone.hi < 0.5) {
    // Applied alone, even its newest release does not reproduce what it did among the others: it
    // needs one of them. Find which, with it applied, then search its releases with the partner applied.
    notes.push(`${pkg.name} ${pkg.to} alone carries only ≈${pct(Math.max(0, alone.estimate))} of its part: it interacts with another change.`);
    const partners = await localizePackages(
      { packages, oracle, budget, onProbe: opts.onProbe, onStep: opts.onStep },
      main.context, [pkg.name], Math.max(0, recheck!.position!.estimate), main.high,
    );
    interactsWith = partners.filter((p) => !p.unresolved).flatMap((p) => p.names);
    for (const p of partners) if (p.unresolved) notes.push(`The partner of ${pkg.name} is one of ${p.names.join(', ')}: ${p.unresolved}.`);
    if (interactsWith.length > 0) {
      context = headVersions(packages, interactsWith);
      notes.push(`${pkg.name} slows down together with ${interactsWith.join(', ')} at head's version${interactsWith.length > 1 ? 's' : ''}; its releases were searched with ${interactsWith.length > 1 ? 'them' : 'it'} applied.`);
      releases = await searchReleases({ name: pkg.name, versions, context, low, high, oracle, budget, onProbe: opts.onProbe, onStep: opts.onStep });
      recheck = await recheckPair(opts, pkg.name, releases, context);
      ({ releases, recheck } = await verifyPair(opts, pkg.name, versions, context, low, high, releases, recheck, notes));
    }
  }

  for (const f of releases.installFailures) notes.push(`${pkg.name} ${f.version} could not be installed and was skipped (neither good nor bad): ${f.error}`);
  if (releases.skipped.length > 0) {
    notes.push(`The slowdown arrived in ${[...releases.skipped, releases.firstBad].join(' or ')}: ${releases.skipped.join(', ')} could not be installed.`);
  }
  if (releases.unclear.length > 0) notes.push(`${pkg.name} ${releases.unclear.join(', ')} stayed unclear at the maximum rounds: the first bad release is somewhere from ${releases.unclear[0]} to ${releases.firstBad}.`);
  if (releases.narrowedOnly && releases.unclear.length === 0) {
    notes.push(`The step budget (bisect.maxSteps = ${budget.max}) ran out: the slowdown arrived after ${pkg.name} ${releases.lastGood} and by ${releases.firstBad}. Raise bisect.maxSteps to narrow it further.`);
  }

  let findingShare = share(main);
  if (recheck?.position) {
    findingShare = recheck.position.estimate;
    const t = relative(recheck.position, 0, share(main));
    if (t.estimate < 1 - MIN_SHARE && t.hi < 0.9) {
      notes.push(
        `More than one release contributed: ${pkg.name} ${releases.lastGood} → ${releases.firstBad} accounts for ≈${pct(Math.max(0, recheck.position.estimate))} of the whole slowdown (the package ≈${pct(share(main))}).`,
      );
    }
  } else if (!releases.narrowedOnly) {
    notes.push(`The final pair ${releases.lastGood} → ${releases.firstBad} was not re-checked: the step budget ran out.`);
  }

  return {
    culprit: {
      name: pkg.name, from: pkg.from, to: pkg.to, lastGood: releases.lastGood, firstBad: releases.firstBad,
      narrowedOnly: releases.narrowedOnly, skipped: releases.skipped, unclear: releases.unclear, interactsWith,
      recheck, share: findingShare,
    },
    contributions,
    notes,
  };
}

/** Backtracks at most this often per package: each costs a probe or two, a search and a re-check. */
export const MAX_BACKTRACKS = 2;

/**
 * The verify step. The re-check measured the named pair directly; when it shows that step confidently
 * carries less than MIN_SHARE of the package's part, some earlier call was wrong: a "good" lastGood that
 * is really bad, or a "bad" firstBad that is really good. Each end is probed again; the search is then
 * repeated where the slowdown must be (below lastGood, or above firstBad) and re-checked. When both
 * ends hold up, the pair stands and the partial-share note explains it.
 */
async function verifyPair(
  opts: CulpritSearchOptions, name: string, versions: string[], context: VersionSet, low: number, high: number,
  releases: ReleaseSearchResult, recheck: Probe | null, notes: string[],
): Promise<{ releases: ReleaseSearchResult; recheck: Probe | null }> {
  for (let attempt = 0; attempt < MAX_BACKTRACKS; attempt++) {
    if (!recheck?.position || releases.narrowedOnly || opts.budget.exhausted) break;
    const step = relative(recheck.position, 0, high - low);
    if (!(step.hi < MIN_SHARE)) break;
    const good = versions.indexOf(releases.lastGood);
    const bad = versions.indexOf(releases.firstBad);
    const judge = (p: Position) => judgeStep(p, low, high);
    let range: { good: number; bad: number } | null = null;
    if (good > 0) {
      opts.onStep?.(`verify: ${name} ${releases.lastGood} → ${releases.firstBad} carries almost none of the slowdown; measuring ${releases.lastGood} again`);
      const again = await opts.oracle.probe({ ...context, [name]: releases.lastGood }, `${name} ${releases.lastGood} (verify)`, judge);
      again.kind = 'release';
      opts.onProbe?.(again);
      if (again.position) opts.budget.charge();
      if (again.position && judge(again.position) === 'bad') range = { good: 0, bad: good };
    }
    if (!range && bad < versions.length - 1 && !opts.budget.exhausted) {
      opts.onStep?.(`verify: measuring ${name} ${releases.firstBad} again`);
      const again = await opts.oracle.probe({ ...context, [name]: releases.firstBad }, `${name} ${releases.firstBad} (verify)`, judge);
      again.kind = 'release';
      opts.onProbe?.(again);
      if (again.position) opts.budget.charge();
      if (again.position && judge(again.position) === 'good') range = { good: bad, bad: versions.length - 1 };
    }
    if (!range) break;
    notes.push(
      `The re-check of ${name} ${releases.lastGood} → ${releases.firstBad} disagreed with the search (that step carries ≈${pct(Math.max(0, recheck.position.estimate))} of the slowdown), ` +
        `and ${range.bad === good ? `${releases.lastGood} measured bad` : `${releases.firstBad} measured good`} when measured again: the search went back to ${versions[range.good]} … ${versions[range.bad]}.`,
    );
    releases = await searchReleases({ name, versions, context, low, high, oracle: opts.oracle, budget: opts.budget, onProbe: opts.onProbe, onStep: opts.onStep, range });
    recheck = await recheckPair(opts, name, releases, context);
  }
  return { releases, recheck };
}

async function recheckPair(opts: CulpritSearchOptions, name: string, releases: ReleaseSearchResult, context: VersionSet): Promise<Probe | null> {
  if (releases.narrowedOnly || opts.budget.exhausted) return null;
  opts.onStep?.(`re-checking ${name} ${releases.lastGood} → ${releases.firstBad} with more pairs`);
  const probe = await opts.oracle.recheck({ ...context, [name]: releases.lastGood }, { ...context, [name]: releases.firstBad }, `re-check ${name} ${releases.lastGood} → ${releases.firstBad}`);
  probe.kind = 'recheck';
  opts.onProbe?.(probe);
  if (probe.position) opts.budget.charge();
  return probe;
}

export type { Position };
