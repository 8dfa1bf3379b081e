// What bisect does with a change that is not a registry release (a file tarball or folder, git, a URL):
// there are no releases to list between its ends, so it is one step from one side to the other; its sides
// are labelled so they differ even when only the git commit moved; and a candidate pins it by the spec
// the lockfile records (the tarball path, the git URL with its commit), not by a version.
import type { PackageChange, VersionSet } from '../bisect/index.ts';
import { changeLabels } from '../lockfiles/index.ts';
import type { Change } from '../model.ts';

/** Per package, the spec to pin for each side label of a non-registry change. */
export type SourceSpecs = Map<string, Map<string, string>>;

/** The search's view of a change with both sides; `specs` is set for a non-registry change. */
export function searchableChange(change: Change & { from: string; to: string }): { pkg: PackageChange; specs?: Map<string, string> } {
  // `source` is set only when at least one side is not a registry release.
  if (!change.source) return { pkg: { name: change.name, from: change.from, to: change.to } };
  const labels = changeLabels(change) as { from: string; to: string };
  // A registry side (a registry release replaced by a git fork, or back) is pinned by its version.
  const specs = new Map([
    [labels.from, change.source.from?.spec ?? change.from],
    [labels.to, change.source.to?.spec ?? change.to],
  ]);
  return { pkg: { name: change.name, from: labels.from, to: labels.to, noReleases: true }, specs };
}

/** The versions to pin for a candidate: each non-registry package's side label becomes its spec. */
export function pinnedVersions(versions: VersionSet, specs: SourceSpecs): VersionSet {
  const out: VersionSet = {};
  for (const [name, label] of Object.entries(versions)) out[name] = specs.get(name)?.get(label) ?? label;
  return out;
}
