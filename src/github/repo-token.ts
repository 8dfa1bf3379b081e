// The token a job fetches its repository with: minted when the run starts, for that one repository, with
// read access to its contents and nothing else. Not the installation-wide token Probot uses for check runs
// and comments, and never stored (queue rows, results and fleet payloads hold none).
import type { Octokit } from './octokit.ts';
import { redactor } from './redact.ts';

export interface RepoTokenTarget {
  installationId: number;
  /** The repository's name without its owner (GitHub's `repositories` takes names). */
  repo: string;
}

/** `appOctokit` is authenticated as the App itself (a JWT: Probot's `app.auth()` without an id). */
export async function mintRepoToken(appOctokit: Octokit, target: RepoTokenTarget): Promise<string> {
  const { data } = await appOctokit.rest.apps.createInstallationAccessToken({
    installation_id: target.installationId,
    repositories: [target.repo],
    permissions: { contents: 'read' },
  });
  // From now on no log line, comment or check run can carry it.
  redactor.add(data.token);
  return data.token;
}
