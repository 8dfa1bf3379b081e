// What changed between two lockfiles: the exact set difference of resolved (name, version) pairs, and the
// same difference paired into from → to changes the way a person reads a bump.
import { compare as comparePep440, valid as validPep440 } from '@renovatebot/pep440';
import semver from 'semver';
import type { Change, Ecosystem } from '../model.ts';
import { parseLockfile } from './parse.ts';
import type { ResolvedPackage } from './types.ts';

export interface PackageSetDifference {
  /** In before and not in after, sorted by name then version. */
  removed: ResolvedPackage[];
  /** In after and not in before, sorted by name then version. */
  added: ResolvedPackage[];
}

/** Pairs are distinct: a name at one version in several install paths counts once. */
export function packageSetDifference(before: readonly ResolvedPackage[], after: readonly ResolvedPackage[]): PackageSetDifference {
  const beforeSet = uniqueByKey(before);
  const afterSet = uniqueByKey(after);
  const removed = [...beforeSet].filter(([key]) => !afterSet.has(key)).map(([, pkg]) => pkg);
  const added = [...afterSet].filter(([key]) => !beforeSet.has(key)).map(([, pkg]) => pkg);
  return { removed: removed.sort(comparePackages), added: added.sort(comparePackages) };
}

/**
 * The difference as "- name@version" / "+ name@version" lines: names in code-point order, and for each name
 * its removed versions then its added versions, each in version order.
 */
export function setDiffLines(before: readonly ResolvedPackage[], after: readonly ResolvedPackage[]): string[] {
  const { removed, added } = packageSetDifference(before, after);
  const lines: Array<{ pkg: ResolvedPackage; sign: '-' | '+' }> = [
    ...removed.map((pkg) => ({ pkg, sign: '-' as const })),
    ...added.map((pkg) => ({ pkg, sign: '+' as const })),
  ];
  lines.sort(
    (a, b) =>
      compareNames(a.pkg, b.pkg) ||
      (a.sign === b.sign ? 0 : a.sign === '-' ? -1 : 1) ||
      compareVersions(a.pkg.version, b.pkg.version, a.pkg.ecosystem),
  );
  return lines.map(({ pkg, sign }) => `${sign} ${pkg.name}@${pkg.version}`);
}

/**
 * The set difference paired into changes: for each name, removed and added versions are paired by major
 * version when the name has several, otherwise the one removed with the one added; a version without a
 * partner gives `null` on the other side. Sorted by name, then by version.
 */
export function diffPackageSets(before: readonly ResolvedPackage[], after: readonly ResolvedPackage[]): Change[] {
  const { removed, added } = packageSetDifference(before, after);
  const byName = new Map<string, { ecosystem: Ecosystem; name: string; removed: string[]; added: string[] }>();
  const slot = (pkg: ResolvedPackage) => {
    const key = `${pkg.ecosystem}\u0000${pkg.name}`;
    let entry = byName.get(key);
    if (!entry) byName.set(key, (entry = { ecosystem: pkg.ecosystem, name: pkg.name, removed: [], added: [] }));
    return entry;
  };
  for (const pkg of removed) slot(pkg).removed.push(pkg.version);
  for (const pkg of added) slot(pkg).added.push(pkg.version);

  const changes: Change[] = [];
  for (const entry of byName.values()) {
    for (const [from, to] of pairVersions(entry.removed, entry.added, entry.ecosystem)) {
      changes.push({ ecosystem: entry.ecosystem, name: entry.name, from, to });
    }
  }
  return changes.sort(
    (a, b) =>
      compareNames(a, b) || compareVersions((a.from ?? a.to) as string, (b.from ?? b.to) as string, a.ecosystem),
  );
}

/**
 * Changes between two versions of one lockfile. `null` text means the file does not exist on that side
 * (added or deleted in the PR). Throws LockfileError for a corrupt or unknown file.
 */
export function diffLockfileContents(path: string, beforeText: string | null, afterText: string | null): Change[] {
  const before = beforeText === null ? [] : parseLockfile(path, beforeText).packages;
  const after = afterText === null ? [] : parseLockfile(path, afterText).packages;
  return diffPackageSets(before, after).map((change) => ({ ...change, lockfile: path }));
}

/** Pair the removed and added versions of one name (both sorted ascending). */
function pairVersions(removed: string[], added: string[], ecosystem: Ecosystem): Array<[string | null, string | null]> {
  if (removed.length <= 1 && added.length <= 1) return [[removed[0] ?? null, added[0] ?? null]];
  const pairs: Array<[string | null, string | null]> = [];
  const leftRemoved = [...removed];
  const leftAdded = [...added];
  // Same major first: 3.3.0 → 3.4.0 while 2.1.0 goes away, not 2.1.0 → 3.4.0.
  for (const major of new Set(removed.map(majorOf))) {
    const r = leftRemoved.filter((v) => majorOf(v) === major);
    const a = leftAdded.filter((v) => majorOf(v) === major);
    for (let i = 0; i < Math.min(r.length, a.length); i++) {
      pairs.push([r[i], a[i]]);
      leftRemoved.splice(leftRemoved.indexOf(r[i]), 1);
      leftAdded.splice(leftAdded.indexOf(a[i]), 1);
    }
  }
  // Across majors, the newest line is the one that moved: pair from the top.
  while (leftRemoved.length && leftAdded.length) pairs.push([leftRemoved.pop() as string, leftAdded.pop() as string]);
  for (const version of leftRemoved) pairs.push([version, null]);
  for (const version of leftAdded) pairs.push([null, version]);
  return pairs.sort((a, b) => compareVersions((a[0] ?? a[1]) as string, (b[0] ?? b[1]) as string, ecosystem));
}

function majorOf(version: string): string {
  return /^v?(\d+)/.exec(version)?.[1] ?? version;
}

/** Version order: semver for npm, PEP 440 for PyPI, and a natural order for anything else. */
export function compareVersions(a: string, b: string, ecosystem: Ecosystem): number {
  if (a === b) return 0;
  if (ecosystem === 'npm') {
    const va = semver.valid(a, { loose: true });
    const vb = semver.valid(b, { loose: true });
    if (va && vb) return semver.compare(va, vb, { loose: true }) || naturalCompare(a, b);
  } else if (validPep440(a) && validPep440(b)) {
    return comparePep440(a, b) || naturalCompare(a, b);
  }
  return naturalCompare(a, b);
}

function naturalCompare(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const numeric = i % 2 === 1;
    if (numeric) return Number(pa[i]) - Number(pb[i]) || (pa[i] < pb[i] ? -1 : 1);
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

function compareNames(a: { name: string; ecosystem: Ecosystem }, b: { name: string; ecosystem: Ecosystem }): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.ecosystem === b.ecosystem ? 0 : a.ecosystem < b.ecosystem ? -1 : 1;
}

function comparePackages(a: ResolvedPackage, b: ResolvedPackage): number {
  return compareNames(a, b) || compareVersions(a.version, b.version, a.ecosystem);
}

function uniqueByKey(packages: readonly ResolvedPackage[]): Map<string, ResolvedPackage> {
  const map = new Map<string, ResolvedPackage>();
  for (const pkg of packages) map.set(`${pkg.ecosystem}\u0000${pkg.name}\u0000${pkg.version}`, pkg);
  return map;
}
