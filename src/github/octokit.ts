// The Octokit type the GitHub layer passes around: Probot's, authenticated for one installation.
import type { ProbotOctokit } from 'probot';

export type Octokit = ProbotOctokit;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** GitHub's HTTP status of a failed request, when there is one. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
