// From whatever a registry says about a package's repository to web links a report can use: the
// repository page and the compare view between two releases.
import type { PackageLinks } from '../types.ts';

const HOSTS: Record<string, string> = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org' };

/**
 * Normalises the forms npm and Python metadata use: `git+https://github.com/o/r.git`, `git://…`,
 * `git@github.com:o/r.git`, `github:o/r`, `o/r` (npm shorthand for GitHub), with or without `#ref` or a
 * trailing `/tree/main/sub`. Returns `https://host/o/r`, or null when it is not a known forge.
 */
export function repositoryWebUrl(raw: string | undefined | null): string | null {
  if (!raw) return null;
  let text = raw.trim().replace(/#.*$/, '');
  const shorthand = /^(github|gitlab|bitbucket):([\w.-]+\/[\w.-]+)$/.exec(text);
  if (shorthand) text = `https://${HOSTS[shorthand[1]]}/${shorthand[2]}`;
  else if (/^[\w.-]+\/[\w.-]+$/.test(text)) text = `https://github.com/${text}`;
  text = text.replace(/^git\+/, '').replace(/^git@([^:]+):/, 'https://$1/').replace(/^(git|ssh|http):\/\//, 'https://');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  if (!Object.values(HOSTS).includes(host)) return null;
  const [owner, repo] = url.pathname.split('/').filter(Boolean);
  if (!owner || !repo) return null;
  return `https://${host}/${owner}/${repo.replace(/\.git$/, '')}`;
}

/**
 * The compare view between two releases. Tags are assumed to be `v<version>`, the most common
 * convention; a project tagging without the `v` gets a link that GitHub answers with "nothing to compare".
 */
export function compareUrl(repository: string, from: string, to: string): string {
  const host = new URL(repository).hostname;
  if (host === 'gitlab.com') return `${repository}/-/compare/v${from}...v${to}`;
  if (host === 'bitbucket.org') return `${repository}/branches/compare/v${to}%0Dv${from}`;
  return `${repository}/compare/v${from}...v${to}`;
}

export function linksFor(repository: string | null, changelog?: string | null): PackageLinks {
  const links: PackageLinks = {};
  if (repository) {
    links.repository = repository;
    links.compare = (from, to) => compareUrl(repository, from, to);
  }
  if (changelog) links.changelog = changelog;
  return links;
}
