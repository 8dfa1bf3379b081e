// Which clone URLs the App fetches. A job's clone URL comes from a webhook payload and sits in the queue
// until a worker runs it; whatever it says, a token minted for the repository must only ever be sent to
// the GitHub the App talks to, and only for that repository. Anything else is refused before a token is
// minted or git runs.

/** `https://github.com`, or `<GHE_PROTOCOL>://<GHE_HOST>` for GitHub Enterprise (as Probot builds its API URL). */
export function gitHubOrigin(env: NodeJS.ProcessEnv = process.env): string {
  if (!env.GHE_HOST) return 'https://github.com';
  return new URL(`${env.GHE_PROTOCOL || 'https'}://${env.GHE_HOST}`).origin;
}

/**
 * Why `cloneUrl` may not be fetched for `fullName` (`owner/name`), or null when it may: it must be an
 * http(s) URL on `origin`, without credentials, naming that repository.
 */
export function cloneUrlProblem(cloneUrl: string, fullName: string, origin: string): string | null {
  let url: URL;
  try {
    url = new URL(cloneUrl);
  } catch {
    return `the clone URL "${cloneUrl}" is not a URL on ${origin}`;
  }
  if (url.origin !== origin) {
    return (
      `the clone URL ${url.origin}/… is not on the configured GitHub host ${origin}; bumpbench only fetches from there. ` +
      `For GitHub Enterprise set GHE_HOST (and GHE_PROTOCOL=http only if it really speaks plain HTTP) where the App runs.`
    );
  }
  if (url.username || url.password) return 'the clone URL carries credentials; bumpbench adds its own token';
  const path = url.pathname.replace(/\.git$/, '').replace(/^\//, '');
  if (path.toLowerCase() !== fullName.toLowerCase()) {
    return `the clone URL names ${path}, not this repository (${fullName})`;
  }
  return null;
}
