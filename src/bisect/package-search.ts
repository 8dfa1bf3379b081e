// Package level: which of the changed packages carry the slowdown. Group testing by halves with a
// context: the state base + K is known not to carry the part being searched, base + K + C is known to
// carry it; measuring base + K + A (A = half of C) says whether A carries it (search A in context K), B
// does (search B in context K + A, so a slowdown that needs a package of A and one of B is still found),
// or both (split: search both). One culprit costs ⌈log2 n⌉ measured states.
import type { StepBudget } from './budget.ts';
import { judgeSplit } from './position.ts';
import type { Oracle, PackageChange, Probe, VersionSet } from './types.ts';

export interface FoundPart {
  /** One package, or several when the search could not split the group further (budget, noise, install). */
  names: string[];
  /** Position without this part (with `context` applied) and with it: the part's share is high − low. */
  low: number;
  high: number;
  /** Packages applied (at head's version) while this part was found. */
  context: string[];
  /** The group could not be split further; why. */
  unresolved?: string;
}

export interface PackageSearchOptions {
  packages: PackageChange[];
  oracle: Oracle;
  budget: StepBudget;
  /** Called with each probe, in order (evidence, progress). */
  onProbe?: (probe: Probe) => void;
  onStep?: (message: string) => void;
  /**
   * A package to measure first (the one the hints point at): a group holding it is split into it alone
   * and the rest. An ordering only: it is measured like any other half, and a wrong guess costs a probe.
   */
  first?: string;
}

export function headVersions(packages: PackageChange[], names: string[]): VersionSet {
  const versions: VersionSet = {};
  for (const name of names) {
    const pkg = packages.find((p) => p.name === name);
    if (!pkg) throw new Error(`${name} is not among the changed packages`);
    versions[name] = pkg.to;
  }
  return versions;
}

function halves<T>(items: T[]): [T[], T[]] {
  const cut = Math.ceil(items.length / 2);
  return [items.slice(0, cut), items.slice(cut)];
}

/**
 * Finds the parts of `group` that carry the slowdown between `low` (base + context) and `high`
 * (base + context + group). Parts come back in the order found; a part carrying less than MIN_SHARE of
 * its group's slowdown is not followed.
 */
export async function localizePackages(
  opts: PackageSearchOptions,
  group: string[],
  context: string[],
  low: number,
  high: number,
): Promise<FoundPart[]> {
  if (group.length === 1) return [{ names: group, low, high, context }];
  if (group.length === 0) return [];
  if (opts.budget.exhausted) return [{ names: group, low, high, context, unresolved: 'the step budget ran out' }];
  const [a, b] = opts.first && group.includes(opts.first) ? [[opts.first], group.filter((n) => n !== opts.first)] : halves(group);
  opts.onStep?.(`packages: ${group.length} candidates, applying ${a.join(', ')}${context.length ? ` on top of ${context.length} others` : ''}`);
  const versions = headVersions(opts.packages, [...context, ...a]);
  const probe = await opts.oracle.probe(versions, `${a.join(', ')} at head${context.length ? ` (+${context.length} at head)` : ''}`, (p) => judgeSplit(p, low, high));
  probe.kind = 'package';
  opts.onProbe?.(probe);
  if (!probe.position) {
    return [{ names: group, low, high, context, unresolved: `the state with ${a.join(', ')} at head does not install: ${probe.installError ?? 'install failed'}` }];
  }
  opts.budget.charge();
  const mid = probe.position.estimate;
  const decision = judgeSplit(probe.position, low, high);
  if (decision === 'unknown') {
    return [{ names: group, low, high, context, unresolved: `the state with ${a.join(', ')} at head stayed unclear after ${probe.pairs} rounds` }];
  }
  const found: FoundPart[] = [];
  if (decision === 'bad' || decision === 'split') found.push(...(await localizePackages(opts, a, context, low, mid)));
  if (decision === 'good' || decision === 'split') found.push(...(await localizePackages(opts, b, [...context, ...a], mid, high)));
  return found;
}
