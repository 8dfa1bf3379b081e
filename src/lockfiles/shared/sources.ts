// Where a package that is not a registry release comes from, read from the specs and URLs lockfiles record:
// a file tarball or folder, a git checkout (and its commit), or a URL. One reading for every format.
import type { PackageSource, SourceKind } from '../types.ts';

/** Specs that point into the project itself (workspaces, links, portals, generated packages): not dependencies. */
export function isProjectLinkSpec(spec: string): boolean {
  return /^(workspace|link|portal|exec):/i.test(spec.trim());
}

/**
 * The source a spec names (a dependency range as written, or a resolution that is not a registry's), or null
 * when it names a registry release (a version, a range, an `npm:` alias). Any http(s) URL is a URL source
 * here. Project links (workspace:, link:, portal:) are not sources: check isProjectLinkSpec first.
 */
export function sourceOfSpec(raw: string): PackageSource | null {
  const spec = raw.trim();
  const kind = kindOfSpec(spec);
  if (kind === null) return null;
  const commit = kind === 'git' ? gitCommitOf(spec) : undefined;
  return commit === undefined ? { kind, spec } : { kind, spec, commit };
}

/**
 * The source a lockfile's "resolved" URL names: as sourceOfSpec, except that a registry's own tarball URL
 * is the registry release (null), since every registry release is resolved to one.
 */
export function sourceOfResolved(raw: string): PackageSource | null {
  return isRegistryTarball(raw) ? null : sourceOfSpec(raw);
}

function kindOfSpec(spec: string): SourceKind | null {
  if (isGitSpec(spec)) return 'git';
  if (/^file:/i.test(spec)) return isArchive(spec.replace(/^file:(\/\/)?/i, '')) ? 'file' : 'directory';
  if (/^(\.{1,2}\/|\/|~\/)/.test(spec)) return isArchive(spec) ? 'file' : 'directory';
  if (/^https?:\/\//i.test(spec)) return 'url';
  return null;
}

function isGitSpec(spec: string): boolean {
  return (
    /^(git\+[a-z]+:|git:|github:|gitlab:|bitbucket:|gist:|ssh:)/i.test(spec) ||
    /^git@/.test(spec) ||
    // yarn classic fetches github: dependencies as codeload tarballs of the commit.
    /^https?:\/\/codeload\.github\.com\//i.test(spec) ||
    /\.git([#@?].*)?$/i.test(spec)
  );
}

/**
 * A registry serves a release's tarball at `<registry>/<name>/-/<file>.tgz` (the packument's dist.tarball:
 * npmjs, yarnpkg, verdaccio, Artifactory alike; GitHub Packages at `/download/<name>/<version>/…`): such a
 * URL is the registry release itself, not a URL dependency.
 */
export function isRegistryTarball(url: string): boolean {
  const u = url.trim();
  return /^https?:\/\/[^#?]+\/-\/[^/#?]+\.tgz([#?].*)?$/i.test(u) || /^https:\/\/npm\.pkg\.github\.com\/download\//i.test(u);
}

/** The path part names an archive (npm tarball, Python sdist or wheel), not a folder. */
function isArchive(path: string): boolean {
  const bare = path.replace(/[#?].*$/, '').replace(/::.*$/, '');
  return /\.(tgz|tar|tar\.gz|tar\.bz2|tar\.xz|zip|whl)$/i.test(bare);
}

/**
 * The commit a git spec locks: "#<sha>" (npm, yarn classic, uv), "#commit=<sha>" (yarn berry),
 * "@<sha>" (pip), ".../tar.gz/<sha>" (codeload). A tag or branch name is not a commit: undefined.
 */
export function gitCommitOf(spec: string): string | undefined {
  const matches = [...spec.matchAll(/(?:#commit=|#|@|\/tar\.gz\/)([0-9a-f]{7,40})(?=$|[#&?:])/gi)];
  return matches.length > 0 ? matches[matches.length - 1][1].toLowerCase() : undefined;
}

/** What identifies a side whose lockfile records no version: the commit of a git source, else its spec. */
export function refOf(source: PackageSource): string {
  return source.commit ?? source.spec;
}

/** Same source on both sides (kind, spec and commit), or both registry releases. */
export function sameSource(a: PackageSource | undefined | null, b: PackageSource | undefined | null): boolean {
  if (!a || !b) return !a && !b;
  return a.kind === b.kind && a.spec === b.spec && a.commit === b.commit;
}

/**
 * The version a Python archive's file name states, for direct references that record no version: a wheel is
 * "{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl" (PEP 427), an sdist "{name}-{version}.tar.gz"
 * (PEP 625; older ones also .zip). Undefined when the name does not follow those rules or names another package.
 */
export function versionInArchiveName(spec: string, packageName: string, normalise: (name: string) => string): string | undefined {
  const file = decodeURIComponent(spec.replace(/[#?].*$/, '').split('/').pop() ?? '');
  const wanted = normalise(packageName);
  const wheel = /^([^-]+)-([^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$/i.exec(file);
  if (wheel) return normalise(wheel[1]) === wanted ? wheel[2] : undefined;
  const sdist = /^(.+)\.(tar\.gz|zip|tar\.bz2|tar\.xz)$/i.exec(file);
  if (!sdist) return undefined;
  // The name may itself contain "-" in old sdists: the version is the part after the last "-" that starts with a digit.
  const stem = sdist[1];
  for (let at = stem.lastIndexOf('-'); at > 0; at = stem.lastIndexOf('-', at - 1)) {
    if (/^\d/.test(stem.slice(at + 1)) && normalise(stem.slice(0, at)) === wanted) return stem.slice(at + 1);
  }
  return undefined;
}
