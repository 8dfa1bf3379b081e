// Which repository a stored result belongs to. Results keep the `repo` the engine was given: a clone URL
// for the App's jobs (https://github.com/acme/api.git, or a GitHub Enterprise host), a local path for the CLI.
// The dashboard groups by a key: "owner/name" for a repository on the configured GitHub host (the one whose
// access the signed-in user is checked against), the URL or path as given for anything else.

export interface RepoIdentity {
  /** "owner/name" on the GitHub host, else the stored repo as given. */
  key: string;
  /** Set when the repo lives on the configured GitHub host: the key is then checked against GitHub. */
  github?: { owner: string; name: string; htmlUrl: string };
}

/** The GitHub web host to recognise: GHE_HOST when set, else github.com. */
export function githubHostFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return (env.GHE_HOST || 'github.com').toLowerCase();
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

export function repoIdentity(repo: string, githubHost = 'github.com'): RepoIdentity {
  let url: URL | undefined;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) ? new URL(repo) : undefined;
  } catch {
    url = undefined;
  }
  // git@github.com:owner/name.git
  const scp = /^[\w.-]+@([\w.-]+(?::\d+)?):([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(repo);
  let host: string | undefined;
  let parts: string[] = [];
  let protocol = 'https:';
  if (url && /^(https?|ssh|git):$/.test(url.protocol)) {
    host = url.host.toLowerCase();
    protocol = url.protocol === 'http:' ? 'http:' : 'https:';
    parts = url.pathname.replace(/\.git\/?$/, '').split('/').filter(Boolean);
  } else if (scp) {
    host = scp[1].toLowerCase();
    parts = [scp[2], scp[3]];
  }
  if (host && host === githubHost.toLowerCase() && parts.length === 2 && parts.every((p) => SEGMENT.test(p))) {
    const [owner, name] = parts;
    return { key: `${owner}/${name}`, github: { owner, name, htmlUrl: `${protocol}//${host}/${owner}/${name}` } };
  }
  return { key: repo };
}

/** The pull request's web page, when the repo is on GitHub and the PR is known. */
export function pullRequestUrl(identity: RepoIdentity, pr: number | null | undefined): string | undefined {
  return identity.github && pr ? `${identity.github.htmlUrl}/pull/${pr}` : undefined;
}
