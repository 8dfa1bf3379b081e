// Releases and links of a Python project across the indexes pip would use.
import { linksFor, repositoryWebUrl } from '../shared/links.ts';
import { sortReleases } from '../shared/between.ts';
import { RegistryError, type EcosystemContext, type PackageLinks, type Release } from '../types.ts';
import { findIndexUrls, type IndexUrls } from './index-url.ts';
import { fetchCoreMetadata, fetchProjectPage, type IndexFile } from './simple-api.ts';
import { pep440Rules } from './versions.ts';

export interface ProjectFiles {
  indexes: IndexUrls;
  files: IndexFile[];
}

/** Every file of the project on the primary and extra indexes (pip merges them). */
export async function projectFiles(name: string, ctx: EcosystemContext): Promise<ProjectFiles> {
  const indexes = await findIndexUrls(ctx);
  const pages = await Promise.all([indexes.primary, ...indexes.extra].map((url) => fetchProjectPage(url, name, ctx)));
  if (pages.every((p) => p === null)) {
    throw new RegistryError(`${name} is not on the package index ${indexes.primary} (from ${indexes.source})`, indexes.primary, 404);
  }
  return { indexes, files: pages.flatMap((p) => p?.files ?? []) };
}

/** One release per version; yanked only when every file of it is yanked (PEP 592). */
export function releasesFromFiles(files: readonly IndexFile[]): Release[] {
  const byVersion = new Map<string, IndexFile[]>();
  for (const file of files) {
    const list = byVersion.get(file.version) ?? [];
    list.push(file);
    byVersion.set(file.version, list);
  }
  const releases: Release[] = [];
  for (const [version, group] of byVersion) {
    const release: Release = { version, prerelease: pep440Rules.isPrerelease(version) };
    if (group.every((f) => f.yanked !== false)) {
      release.yanked = true;
      const reason = group.find((f) => typeof f.yanked === 'string')?.yanked;
      if (typeof reason === 'string') release.yankedReason = reason;
    }
    const requires = group.find((f) => f.requiresPython)?.requiresPython;
    if (requires) release.requiresPython = requires;
    const times = group.map((f) => f.uploadTime).filter((t): t is string => typeof t === 'string').sort();
    if (times[0]) release.publishedAt = times[0];
    releases.push(release);
  }
  return sortReleases(releases, pep440Rules);
}

/** `Project-URL: Label, URL` and `Home-page:` of core metadata (RFC 822 headers before the body). */
export function projectUrlsFromMetadata(metadata: string): Record<string, string> {
  const urls: Record<string, string> = {};
  const headers = metadata.split(/\r?\n\r?\n/)[0] ?? '';
  for (const line of headers.split(/\r?\n/)) {
    const projectUrl = /^Project-URL:\s*([^,]+),\s*(\S+)\s*$/i.exec(line);
    if (projectUrl) urls[projectUrl[1].trim()] = projectUrl[2];
    const home = /^Home-page:\s*(\S+)\s*$/i.exec(line);
    if (home && !urls.Homepage) urls.Homepage = home[1];
  }
  return urls;
}

const REPOSITORY_LABELS = /^(source|source[ _-]?code|repository|repo|code|github|gitlab|homepage|home)$/i;
const CHANGELOG_LABELS = /^(changelog|change[ _-]?log|changes|release[ _-]?notes|history|what'?s[ _-]?new)$/i;

/** Links from project URLs; labels are matched loosely, as PyPI itself does for its sidebar icons. */
export function linksFromProjectUrls(urls: Record<string, string>): PackageLinks {
  let repository: string | null = null;
  let changelog: string | null = null;
  for (const [label, url] of Object.entries(urls)) {
    const normalised = label.trim();
    if (!repository && REPOSITORY_LABELS.test(normalised)) repository = repositoryWebUrl(url);
    if (!changelog && CHANGELOG_LABELS.test(normalised)) changelog = url;
  }
  return linksFor(repository, changelog);
}

/**
 * Links from the core metadata (PEP 658) of the newest stable, unyanked release that the index serves
 * metadata for. An index without PEP 658 gives no links, never an error.
 */
export async function pythonLinks(name: string, ctx: EcosystemContext): Promise<PackageLinks> {
  const { indexes, files } = await projectFiles(name, ctx);
  const candidates = files
    .filter((f) => f.metadataUrl && f.yanked === false && !pep440Rules.isPrerelease(f.version))
    .sort((a, b) => pep440Rules.compare(b.version, a.version) || (a.kind === 'wheel' ? -1 : 1));
  for (const file of candidates.slice(0, 3)) {
    const metadata = await fetchCoreMetadata(indexes.primary, file.metadataUrl!, ctx);
    if (metadata) return linksFromProjectUrls(projectUrlsFromMetadata(metadata));
  }
  return {};
}
