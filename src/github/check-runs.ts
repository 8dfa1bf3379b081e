// One check run per head SHA: queued → in_progress (progress text) → completed. Output text is kept under
// GitHub's 65,535-character limit.
import type { JobResult } from '../model.ts';
import { CHECK_NAME } from './messages.ts';
import type { Octokit, RepoRef } from './octokit.ts';

/** GitHub rejects check-run output fields of 65,535 characters or more. */
export const CHECK_TEXT_LIMIT = 65_535;
const TITLE_LIMIT = 250;

export type Conclusion = 'success' | 'failure' | 'neutral' | 'cancelled';

export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
}

/** Cuts text to fit under `limit` characters, at a line break when there is one near, and says so. */
export function truncateText(text: string, limit = CHECK_TEXT_LIMIT - 1): string {
  if (text.length <= limit) return text;
  const note = '\n\n… (truncated to fit GitHub\'s limit; the PR comment and the stored result have the rest)';
  let cut = text.slice(0, limit - note.length);
  const lastBreak = cut.lastIndexOf('\n');
  if (lastBreak > cut.length - 2000) cut = cut.slice(0, lastBreak);
  return cut + note;
}

function fit(output: CheckOutput): CheckOutput {
  const title = output.title.length > TITLE_LIMIT ? `${output.title.slice(0, TITLE_LIMIT - 1)}…` : output.title;
  return {
    title,
    summary: truncateText(output.summary),
    ...(output.text === undefined ? {} : { text: truncateText(output.text) }),
  };
}

/** `failure` only for a regression under `gate: fail`; a regression under `gate: neutral` is neutral. */
export function conclusionFor(result: Pick<JobResult, 'verdict'>, gate: 'fail' | 'neutral'): Conclusion {
  if (result.verdict !== 'regression') return 'success';
  return gate === 'fail' ? 'failure' : 'neutral';
}

export async function createCheckRun(
  octokit: Octokit,
  where: RepoRef,
  headSha: string,
  init: { status: 'queued' | 'in_progress' | 'completed'; output: CheckOutput; conclusion?: Conclusion; externalId?: string; detailsUrl?: string },
): Promise<number> {
  const { data } = await octokit.rest.checks.create({
    ...where,
    name: CHECK_NAME,
    head_sha: headSha,
    status: init.status,
    ...(init.status === 'completed' ? { conclusion: init.conclusion ?? 'neutral', completed_at: new Date().toISOString() } : {}),
    ...(init.status === 'in_progress' ? { started_at: new Date().toISOString() } : {}),
    ...(init.externalId ? { external_id: init.externalId } : {}),
    ...(init.detailsUrl ? { details_url: init.detailsUrl } : {}),
    output: fit(init.output),
  });
  return data.id;
}

export async function updateCheckRun(
  octokit: Octokit,
  where: RepoRef,
  checkRunId: number,
  update: { status?: 'queued' | 'in_progress' | 'completed'; conclusion?: Conclusion; output: CheckOutput },
): Promise<void> {
  await octokit.rest.checks.update({
    ...where,
    check_run_id: checkRunId,
    ...(update.status ? { status: update.status } : {}),
    ...(update.status === 'in_progress' ? { started_at: new Date().toISOString() } : {}),
    ...(update.status === 'completed' || update.conclusion
      ? { status: 'completed' as const, conclusion: update.conclusion ?? 'neutral', completed_at: new Date().toISOString() }
      : {}),
    output: fit(update.output),
  });
}
