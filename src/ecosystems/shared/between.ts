// "Releases strictly between two versions", the same rule for every ecosystem; only the version
// arithmetic differs.
import type { Release } from '../types.ts';

export interface VersionRules {
  compare(a: string, b: string): number;
  valid(version: string): boolean;
  /** The release a prerelease leads to ("1.7.0" for "1.7.0-beta.1"), to tell release lines apart. */
  releaseLine(version: string): string;
  isPrerelease(version: string): boolean;
}

/**
 * Releases strictly between `from` and `to` (in either order), ascending by version, never by date.
 * Yanked and deprecated releases are left out. Prereleases are left out too, except those on the
 * release line of an endpoint that is itself a prerelease (2.0.0-beta.1 → 2.0.0 keeps 2.0.0-beta.2):
 * there a prerelease is the only thing to bisect.
 */
export function releasesBetween(all: readonly Release[], from: string, to: string, rules: VersionRules): Release[] {
  for (const v of [from, to]) {
    if (!rules.valid(v)) throw new Error(`"${v}" is not a valid version`);
  }
  const [lo, hi] = rules.compare(from, to) <= 0 ? [from, to] : [to, from];
  const prereleaseLines = new Set([lo, hi].filter((v) => rules.isPrerelease(v)).map((v) => rules.releaseLine(v)));
  return all
    .filter((r) => rules.valid(r.version))
    .filter((r) => rules.compare(lo, r.version) < 0 && rules.compare(r.version, hi) < 0)
    .filter((r) => !r.yanked && r.deprecated === undefined)
    .filter((r) => !r.prerelease || prereleaseLines.has(rules.releaseLine(r.version)))
    .sort((a, b) => rules.compare(a.version, b.version));
}

/** Sorts ascending by version; invalid versions go last, in their original order. */
export function sortReleases(releases: Release[], rules: VersionRules): Release[] {
  const valid = releases.filter((r) => rules.valid(r.version)).sort((a, b) => rules.compare(a.version, b.version));
  return [...valid, ...releases.filter((r) => !rules.valid(r.version))];
}

