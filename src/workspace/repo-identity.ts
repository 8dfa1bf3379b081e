// Who a repository is, whatever way a job reaches it: the App by its clone URL, the CLI by a local
// clone. Calibrations and other per-repository records are keyed by this, never by an absolute local
// path (which differs between the CLI's checkout and the App's cache) — so `bumpbench calibrate --repo .`
// in a clone of github.com/acme/api and an App job on acme/api share one calibration.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { isRemote } from './git.ts';

/**
 * A remote URL without scheme, credentials, port, ".git" or trailing slashes, host in lower case:
 * https://x-access-token:t@github.com/Acme/API.git, git@github.com:Acme/API.git and
 * ssh://git@github.com/Acme/API all become "github.com/acme/api" (GitHub names are case-insensitive;
 * other hosts keep the path's case). null for a string that is not a remote URL.
 */
export function normaliseRemoteUrl(url: string): string | null {
  const text = url.trim();
  let host: string;
  let pathname: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    if (/^file:\/\//i.test(text)) return null;
    let parsed: URL;
    try {
      parsed = new URL(text.replace(/^git\+/i, ''));
    } catch {
      return null;
    }
    host = parsed.hostname;
    pathname = decodeURIComponent(parsed.pathname);
  } else if (scp) {
    host = scp[1];
    pathname = scp[2];
  } else {
    return null;
  }
  host = host.toLowerCase();
  let repoPath = pathname.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/i, '');
  if (!host || !repoPath) return null;
  if (host === 'github.com' || host === 'www.github.com') {
    host = 'github.com';
    repoPath = repoPath.toLowerCase();
  }
  return `${host}/${repoPath}`;
}

/** The remote a local clone came from: origin, else its only remote; null when it has none. */
async function remoteOf(dir: string): Promise<string | null> {
  try {
    const remotes = await simpleGit(dir).getRemotes(true);
    const chosen = remotes.find((r) => r.name === 'origin') ?? (remotes.length === 1 ? remotes[0] : undefined);
    return chosen?.refs.fetch || null;
  } catch {
    return null;
  }
}

/**
 * The identity of `repo` (a clone URL or a local path): its normalised remote URL. A local clone is
 * known by the remote it came from; one with no usable remote falls back to "local:<real path>", which
 * only the same machine's jobs on that same directory share.
 */
export async function repoIdentity(repo: string): Promise<string> {
  if (isRemote(repo)) {
    const normalised = normaliseRemoteUrl(repo);
    if (normalised) return normalised;
    // file:// URLs: the local repository they point at.
    return repoIdentity(decodeURIComponent(repo.replace(/^file:\/\//i, '')));
  }
  const dir = path.resolve(repo);
  const remote = await remoteOf(dir);
  const normalised = remote ? normaliseRemoteUrl(remote) : null;
  if (normalised) return normalised;
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // not there (yet): the resolved path will do
  }
  return `local:${real}`;
}
