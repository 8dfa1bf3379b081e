// What changed between two lockfiles: the exact set difference of resolved registry (name, version) pairs,
// and every changed entry (registry or not) paired into from → to changes the way a person reads a bump.
// Pairing follows where a copy sits, not its version: in a package-lock the copy at one install path with
// the copy at the same path; in formats without paths an entry with the entry selected by the same
// descriptor (yarn) or depended on by the same package (pnpm); only what is left is paired by version.
import { compare as comparePep440, valid as validPep440 } from '@renovatebot/pep440';
import semver from 'semver';
import type { Change, ChangeEcosystem } from '../model.ts';
import { classifyPackages } from './dependency-scope.ts';
import { manifestPathFor, manifestRoots } from './manifests.ts';
import { parseLockfile, type ParsedLockfile } from './parse.ts';
import { sameSource } from './shared/sources.ts';
import type { ResolvedPackage } from './types.ts';

export interface PackageSetDifference {
  /** In before and not in after, sorted by name then version. */
  removed: ResolvedPackage[];
  /** In after and not in before, sorted by name then version. */
  added: ResolvedPackage[];
}

/**
 * The set difference of registry releases as distinct (name, version) pairs: a name at one version in
 * several install paths counts once, and packages with a source (file, folder, git, URL) are not in it.
 * This is the ground truth the shared fixtures state (expected_setdiff.txt); diffPackageSets reports more.
 */
export function packageSetDifference(before: readonly ResolvedPackage[], after: readonly ResolvedPackage[]): PackageSetDifference {
  const beforeSet = uniqueByKey(before.filter(isRegistryRelease));
  const afterSet = uniqueByKey(after.filter(isRegistryRelease));
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
 * Every changed entry, registry or not, paired into changes; each real change once (three nested copies
 * making the same move are one change with three locations). A side without a partner gives `null`.
 * Sorted by name, then by version.
 */
export function diffPackageSets(before: readonly ResolvedPackage[], after: readonly ResolvedPackage[]): Change[] {
  const byName = new Map<string, { before: ResolvedPackage[]; after: ResolvedPackage[] }>();
  const slot = (pkg: ResolvedPackage) => {
    const key = `${pkg.ecosystem}\u0000${pkg.name}`;
    let entry = byName.get(key);
    if (!entry) byName.set(key, (entry = { before: [], after: [] }));
    return entry;
  };
  for (const pkg of before) slot(pkg).before.push(pkg);
  for (const pkg of after) slot(pkg).after.push(pkg);

  const changes = new Map<string, Change>();
  for (const entry of byName.values()) {
    for (const [from, to] of pairEntries(entry.before, entry.after)) addChange(changes, from, to);
  }
  return [...changes.values()].sort(
    (a, b) =>
      compareNames(a, b) ||
      compareVersions((a.from ?? a.to) as string, (b.from ?? b.to) as string, a.ecosystem) ||
      compareVersions(a.to ?? '', b.to ?? '', a.ecosystem) ||
      (a.locations?.[0] ?? '').localeCompare(b.locations?.[0] ?? ''),
  );
}

/**
 * Changes between two versions of one lockfile. `null` text means the file does not exist on that side
 * (added or deleted in the PR). Throws LockfileError for a corrupt or unknown file.
 */
export function diffLockfileContents(
  path: string, beforeText: string | null, afterText: string | null, manifests: { before?: string | null; after?: string | null } = {},
): Change[] {
  const side = (text: string | null, manifest: string | null | undefined): ResolvedPackage[] => {
    if (text === null) return [];
    const parsed = parseLockfile(path, text);
    return classifyPackages(parsed.packages, rootsOf(parsed, manifest));
  };
  return diffPackageSets(side(beforeText, manifests.before), side(afterText, manifests.after)).map((change) => ({ ...change, lockfile: path }));
}

/** The project's own lists: the lockfile's copy where it keeps one, else the manifest beside it. */
function rootsOf(parsed: ParsedLockfile, manifest: string | null | undefined) {
  if (parsed.roots) return parsed.roots;
  const manifestPath = manifestPathFor(parsed.file);
  return manifest && manifestPath ? manifestRoots(manifestPath, manifest) : null;
}

type Pair = [ResolvedPackage | null, ResolvedPackage | null];

/** The changed entries of one name, paired (see the top of this file for the order of the rules). */
function pairEntries(before: ResolvedPackage[], after: ResolvedPackage[]): Pair[] {
  const pairs: Pair[] = [];
  let removed: ResolvedPackage[];
  let added: ResolvedPackage[];
  if (before.some(hasLocation) || after.some(hasLocation)) {
    // 1. Install paths: what sits at one path on both sides is the same copy, changed or not.
    const afterAt = new Map(after.map((pkg) => [pkg.location, pkg]));
    const samePlace = new Set<ResolvedPackage>();
    removed = [];
    for (const old of before) {
      const now = afterAt.get(old.location);
      if (now === undefined) {
        removed.push(old);
        continue;
      }
      samePlace.add(now);
      if (!sameEntry(old, now)) pairs.push([old, now]);
    }
    // 2. A copy gone from its path while its version (and source) is still installed elsewhere moved or
    // merged into another copy (hoisting); a new copy of a version that was already installed split off
    // one. Neither is a change of what is installed.
    removed = removed.filter((old) => !after.some((now) => sameEntry(old, now)));
    added = after.filter((now) => !samePlace.has(now) && !before.some((old) => sameEntry(old, now)));
  } else {
    // No install paths: an entry present on both sides did not change.
    removed = before.filter((old) => !after.some((now) => sameEntry(old, now)));
    added = after.filter((now) => !before.some((old) => sameEntry(old, now)));
    removed = uniqueEntries(removed);
    added = uniqueEntries(added);
  }
  // A copy that appeared at the version another copy moved to (or vanished at the version another moved
  // from) is part of that move: one change, one more location.
  for (const now of [...added]) {
    const move = pairs.find(([, to]) => to !== null && sameEntry(to, now));
    if (!move) continue;
    pairs.push([move[0], now]);
    added.splice(added.indexOf(now), 1);
  }
  for (const old of [...removed]) {
    const move = pairs.find(([from]) => from !== null && sameEntry(from, old));
    if (!move) continue;
    pairs.push([old, move[1]]);
    removed.splice(removed.indexOf(old), 1);
  }
  removed.sort(byVersion);
  added.sort(byVersion);

  // 3. What selected them: the same yarn descriptor, or the same dependent in pnpm.
  for (const old of [...removed]) {
    const partner = added.find((now) => old.selectedBy?.some((selector) => now.selectedBy?.includes(selector)));
    if (!partner) continue;
    pairs.push([old, partner]);
    removed.splice(removed.indexOf(old), 1);
    added.splice(added.indexOf(partner), 1);
  }
  // 4. The rest by version.
  pairs.push(...pairByVersion(removed, added));
  return pairs;
}

/** Pair the removed and added entries of one name (both sorted ascending). */
function pairByVersion(removed: ResolvedPackage[], added: ResolvedPackage[]): Pair[] {
  if (removed.length <= 1 && added.length <= 1) {
    return removed.length + added.length === 0 ? [] : [[removed[0] ?? null, added[0] ?? null]];
  }
  const pairs: Pair[] = [];
  const leftRemoved = [...removed];
  const leftAdded = [...added];
  // Same major first: 3.3.0 → 3.4.0 while 2.1.0 goes away, not 2.1.0 → 3.4.0.
  for (const major of new Set(removed.map((pkg) => majorOf(pkg.version)))) {
    const r = leftRemoved.filter((pkg) => majorOf(pkg.version) === major);
    const a = leftAdded.filter((pkg) => majorOf(pkg.version) === major);
    for (let i = 0; i < Math.min(r.length, a.length); i++) {
      pairs.push([r[i], a[i]]);
      leftRemoved.splice(leftRemoved.indexOf(r[i]), 1);
      leftAdded.splice(leftAdded.indexOf(a[i]), 1);
    }
  }
  // Across majors, the newest line is the one that moved: pair from the top.
  while (leftRemoved.length && leftAdded.length) pairs.push([leftRemoved.pop() as ResolvedPackage, leftAdded.pop() as ResolvedPackage]);
  for (const pkg of leftRemoved) pairs.push([pkg, null]);
  for (const pkg of leftAdded) pairs.push([null, pkg]);
  return pairs;
}

/**
 * One change per distinct move: copies making the same move share one change and list their paths (where
 * each copy is after the change; for a removal, where it was).
 */
function addChange(changes: Map<string, Change>, from: ResolvedPackage | null, to: ResolvedPackage | null): void {
  const pkg = (to ?? from) as ResolvedPackage;
  const key = [pkg.ecosystem, pkg.name, entryKey(from), entryKey(to)].join('\u0001');
  const location = to?.location ?? from?.location;
  const existing = changes.get(key);
  if (existing) {
    if (location !== undefined && !existing.locations?.includes(location)) {
      existing.locations = [...(existing.locations ?? []), location].sort(compareLocations);
    }
    const { scope, direct } = scopeOf([from, to], existing);
    delete existing.scope;
    delete existing.direct;
    Object.assign(existing, scope ? { scope } : {}, direct !== undefined ? { direct } : {});
    return;
  }
  const change: Change = { ecosystem: pkg.ecosystem, name: pkg.name, from: from?.version ?? null, to: to?.version ?? null };
  if (location !== undefined) change.locations = [location];
  if (from?.source || to?.source) change.source = { from: from?.source ?? null, to: to?.source ?? null };
  Object.assign(change, scopeOf([from, to]));
  changes.set(key, change);
}

/**
 * A change's scope and directness from the entries on its sides (and from the copies already merged into
 * it): runtime when any side is, dev only when every side is known to be dev; direct when any side is.
 */
function scopeOf(entries: (ResolvedPackage | null)[], merged?: Change): Pick<Change, 'scope' | 'direct'> {
  const sides = entries.filter((e): e is ResolvedPackage => e !== null);
  const devs = [...sides.map((e) => e.dev), ...(merged ? [merged.scope === undefined ? undefined : merged.scope === 'dev'] : [])];
  const directs = [...sides.map((e) => e.direct), ...(merged ? [merged.direct] : [])];
  const scope = devs.some((d) => d === false) ? 'runtime' : devs.every((d) => d === true) ? 'dev' : undefined;
  const direct = directs.some((d) => d === true) ? true : directs.every((d) => d === false) ? false : undefined;
  return { ...(scope ? { scope } : {}), ...(direct !== undefined ? { direct } : {}) };
}

/** Shallower paths first (the top-level copy before nested ones), then in code-point order. */
function compareLocations(a: string, b: string): number {
  const depth = (path: string) => path.split('node_modules/').length;
  return depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function hasLocation(pkg: ResolvedPackage): boolean {
  return pkg.location !== undefined;
}

function isRegistryRelease(pkg: ResolvedPackage): boolean {
  return pkg.source === undefined;
}

/** Same version from the same source: the same thing installed. */
function sameEntry(a: ResolvedPackage, b: ResolvedPackage): boolean {
  return a.version === b.version && sameSource(a.source, b.source);
}

function entryKey(pkg: ResolvedPackage | null): string {
  if (pkg === null) return '';
  const source = pkg.source;
  return [pkg.version, source?.kind ?? '', source?.spec ?? '', source?.commit ?? ''].join('\u0000');
}

/** One entry per version and source (pnpm keeps one per peer set), with what selected any of them. */
function uniqueEntries(packages: ResolvedPackage[]): ResolvedPackage[] {
  const seen = new Map<string, ResolvedPackage>();
  for (const pkg of packages) {
    const key = entryKey(pkg);
    const first = seen.get(key);
    if (!first) seen.set(key, pkg);
    else if (pkg.selectedBy) seen.set(key, { ...first, selectedBy: [...new Set([...(first.selectedBy ?? []), ...pkg.selectedBy])] });
  }
  return [...seen.values()];
}

function byVersion(a: ResolvedPackage, b: ResolvedPackage): number {
  return compareVersions(a.version, b.version, a.ecosystem);
}

function majorOf(version: string): string {
  return /^v?(\d+)/.exec(version)?.[1] ?? version;
}

/** Version order: semver for npm, PEP 440 for PyPI, and a natural order for anything else (runtimes). */
export function compareVersions(a: string, b: string, ecosystem: ChangeEcosystem): number {
  if (a === b) return 0;
  if (ecosystem === 'npm') {
    const va = semver.valid(a, { loose: true });
    const vb = semver.valid(b, { loose: true });
    if (va && vb) return semver.compare(va, vb, { loose: true }) || naturalCompare(a, b);
  } else if (ecosystem === 'pypi' && validPep440(a) && validPep440(b)) {
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

function compareNames(a: { name: string; ecosystem: ChangeEcosystem }, b: { name: string; ecosystem: ChangeEcosystem }): number {
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
