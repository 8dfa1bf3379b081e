// The npm registry's packument (the full document: the abbreviated install form has no `deprecated`
// message and no `repository`) turned into releases and links.
import semver from 'semver';
import { linksFor, repositoryWebUrl } from '../shared/links.ts';
import { registryGet } from '../shared/http.ts';
import type { VersionRules } from '../shared/between.ts';
import { RegistryError, type EcosystemContext, type PackageLinks, type Release } from '../types.ts';
import { authHeaderFor, loadNpmSettings, registryFor } from './npmrc.ts';

export const semverRules: VersionRules = {
  compare: (a, b) => semver.compare(a, b),
  valid: (v) => semver.valid(v) !== null,
  releaseLine: (v) => {
    const parsed = semver.parse(v);
    return parsed ? `${parsed.major}.${parsed.minor}.${parsed.patch}` : v;
  },
  isPrerelease: (v) => (semver.prerelease(v)?.length ?? 0) > 0,
};

interface VersionManifest {
  version?: string;
  deprecated?: unknown;
  repository?: unknown;
}

export interface Packument {
  name: string;
  versions: Record<string, VersionManifest>;
  time?: Record<string, string>;
  repository?: unknown;
  'dist-tags'?: Record<string, string>;
}

/** npm's escaping of a scoped name in registry paths: `@scope%2fname`. */
function packumentPath(name: string): string {
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

export async function fetchPackument(name: string, ctx: EcosystemContext): Promise<Packument> {
  const settings = loadNpmSettings(ctx);
  const registry = registryFor(name, settings);
  const url = new URL(packumentPath(name), registry).toString();
  const headers: Record<string, string> = { accept: 'application/json' };
  const auth = authHeaderFor(url, settings);
  if (auth) headers.authorization = auth;
  const response = await registryGet(url, headers, ctx);
  if (response.status === 404) throw new RegistryError(`${name} is not published on ${registry}`, registry, 404);
  let doc: Packument;
  try {
    doc = JSON.parse(response.body) as Packument;
  } catch {
    throw new RegistryError(`${url} did not answer with a JSON packument`, registry);
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.versions !== 'object') {
    throw new RegistryError(`${url} answered a document without "versions"`, registry);
  }
  return doc;
}

export function releasesOf(doc: Packument): Release[] {
  return Object.entries(doc.versions).map(([version, manifest]) => {
    const release: Release = { version, prerelease: semverRules.valid(version) && semverRules.isPrerelease(version) };
    // `npm deprecate pkg@v ""` un-deprecates by writing an empty message.
    if (typeof manifest?.deprecated === 'string' && manifest.deprecated !== '') release.deprecated = manifest.deprecated;
    const time = doc.time?.[version];
    if (time) release.publishedAt = time;
    return release;
  });
}

function repositoryField(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { url?: unknown }).url === 'string') return (value as { url: string }).url;
  return undefined;
}

export function linksOf(doc: Packument): PackageLinks {
  const latest = doc['dist-tags']?.latest;
  const raw = repositoryField(doc.repository) ?? (latest ? repositoryField(doc.versions[latest]?.repository) : undefined);
  return linksFor(repositoryWebUrl(raw));
}
