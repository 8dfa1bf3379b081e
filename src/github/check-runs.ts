// One check run per job: queued → in_progress (progress text) → completed, under the name of its kind
// (`bumpbench`, `bumpbench/bisect`, `bumpbench/soak`). Output text is kept under GitHub's 65,535-character limit.
import type { JobKind } from '../jobs/queue.ts';
import type { JobResult } from '../model.ts';
import { CHECK_NAMES } from './messages.ts';
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

export function checkNameFor(kind: JobKind): string {
  return CHECK_NAMES[kind];
}

/** The job kind a check run of ours reports, or null when the name is not one of ours. */
export function kindOfCheck(name: string): JobKind | null {
  const found = (Object.entries(CHECK_NAMES) as [JobKind, string][]).find(([, n]) => n === name);
  return found ? found[0] : null;
}

/**
 * What a finished job does to its own check run. Compare and soak: a regression (a leak, for a soak) is
 * `failure` under `gate: fail` and `neutral` under `gate: neutral`; an inconclusive result is `neutral`,
 * never `success`, since nothing was shown to be fine; unchanged and improvement are `success`. A bisect
 * explains a regression the compare already reported, so it concludes `neutral` whatever it finds.
 */
export function conclusionFor(result: Pick<JobResult, 'verdict' | 'kind' | 'skipped'>, gate: 'fail' | 'neutral'): Conclusion {
  // Nothing was measured: nothing was shown to be fine either.
  if (result.kind === 'bisect' || result.skipped) return 'neutral';
  if (result.verdict === 'regression') return gate === 'fail' ? 'failure' : 'neutral';
  if (result.verdict === 'inconclusive') return 'neutral';
  return 'success';
}

/** The check run's title: the summary line, saying first that it is inconclusive when it is. */
export function resultTitle(result: Pick<JobResult, 'verdict'>, summary: string): string {
  if (result.verdict !== 'inconclusive' || /^inconclusive/i.test(summary)) return summary;
  return `Inconclusive: ${summary.charAt(0).toLowerCase()}${summary.slice(1)}`;
}

export async function createCheckRun(
  octokit: Octokit,
  where: RepoRef,
  headSha: string,
  init: {
    kind: JobKind;
    status: 'queued' | 'in_progress' | 'completed';
    output: CheckOutput;
    conclusion?: Conclusion;
    externalId?: string;
    detailsUrl?: string;
  },
): Promise<number> {
  const { data } = await octokit.rest.checks.create({
    ...where,
    name: checkNameFor(init.kind),
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
