// The worker's GitHub side: a JobRunner that turns a queued GitHub job into an engine call (the installation
// token goes only into the clone URL of the git fetch), and a JobReporter that publishes progress and the
// result to the job's check run and the PR's sticky comment. Both are idempotent per job, so a job rerun
// after a crash reports to the same check run and edits the same comment.
import { ConfigError, parseConfigText } from '../config/load.ts';
import type { Job } from '../jobs/queue.ts';
import type { JobReporter, JobRunner, Log } from '../jobs/worker.ts';
import type { JobRequest, JobResult, ProgressEvent } from '../model.ts';
import type { RunJobOptions } from '../pipeline/run-job.ts';
import { dashboardJobUrl, renderMarkdown, summaryLine } from '../report/markdown.ts';
import { conclusionFor, createCheckRun, updateCheckRun, type CheckOutput } from './check-runs.ts';
import { configInvalidOutput } from './messages.ts';
import type { Octokit, RepoRef } from './octokit.ts';
import { authenticatedCloneUrl, redactor } from './redact.ts';
import { upsertStickyComment } from './sticky-comment.ts';

export type RunJobFn = (request: JobRequest, options: RunJobOptions) => Promise<JobResult>;

export interface GitHubWorkerDeps {
  /** An Octokit for one installation (Probot's `app.auth(id)`). */
  auth: (installationId: number) => Promise<Octokit>;
  /** Fresh job rows (the handler stores the check run id right after enqueueing). */
  getJob: (id: number) => Job | null;
  setCheckRunId: (id: number, checkRunId: number) => void;
  dataDir: string;
  runJob: RunJobFn;
  /** At most one progress update per check run this often (phase changes go out at once). */
  progressIntervalMs?: number;
  /** How long the reporter waits for the handler to store the check run id before making its own. */
  checkRunWaitMs?: number;
  /** Where the dashboard is reached (BUMPBENCH_PUBLIC_URL): the comment then links to the job's page. */
  publicUrl?: string;
}

function githubOf(job: Job) {
  const gh = job.payload.github;
  if (!gh) throw new Error(`job ${job.id} was not enqueued by the GitHub App (no GitHub context)`);
  return gh;
}

function whereOf(job: Job): RepoRef {
  const gh = githubOf(job);
  return { owner: gh.owner, repo: gh.repo };
}

function gateOf(job: Job): 'fail' | 'neutral' {
  try {
    return parseConfigText(githubOf(job).configText).gate;
  } catch {
    return 'fail';
  }
}

export function createGitHubRunner(deps: GitHubWorkerDeps): JobRunner {
  return async (job, { signal, onProgress, log }) => {
    const gh = githubOf(job);
    // Validated again here: the queue stores the text (validation is not idempotent, see jobs/queue.ts).
    const config = parseConfigText(gh.configText);
    let authCloneUrl: string | undefined;
    if (/^https?:\/\//i.test(gh.cloneUrl)) {
      const octokit = await deps.auth(gh.installationId);
      const { token } = (await octokit.auth({ type: 'installation' })) as { token: string };
      redactor.add(token);
      authCloneUrl = authenticatedCloneUrl(gh.cloneUrl, token);
    } else {
      log.debug({ cloneUrl: gh.cloneUrl }, 'local or file:// clone URL: used as given, no token');
    }
    const request: JobRequest = {
      kind: job.kind,
      repo: gh.cloneUrl,
      base: gh.base,
      head: gh.head,
      pr: gh.pr,
      ...(gh.title !== undefined || gh.body !== undefined ? { prText: { title: gh.title, body: gh.body } } : {}),
      options: job.payload.options,
    };
    // childEnv stays empty: the engine builds the child environment from scratch, and nothing of ours
    // (token, private key, webhook secret) belongs in it.
    return deps.runJob(request, { dataDir: deps.dataDir, signal, onProgress, config, childEnv: {}, authCloneUrl });
  };
}

interface ProgressState {
  lines: string[];
  lastSent: number;
  lastPhase: string | null;
  /** Updates go out one after another, and the final report waits for them, so a late progress update
   * can never overwrite the result. */
  chain: Promise<void>;
}

function progressOutput(job: Job, state: ProgressState, latest: ProgressEvent): CheckOutput {
  const step = latest.step !== undefined && latest.total !== undefined ? ` (${latest.step}/${latest.total})` : '';
  return {
    title: `Running: ${latest.phase}${step}`,
    summary: [`A ${job.kind} is running (attempt ${job.attempts}).`, '', '```', ...state.lines.slice(-30), '```'].join('\n'),
  };
}

export function createGitHubReporter(deps: GitHubWorkerDeps): JobReporter {
  const interval = deps.progressIntervalMs ?? 10_000;
  const progress = new Map<number, ProgressState>();

  async function octokitFor(job: Job): Promise<Octokit> {
    return deps.auth(githubOf(job).installationId);
  }

  /** The job's check run: the one the handler made (waiting briefly for its id), or a new one. */
  async function checkRunOf(job: Job, octokit: Octokit, log: Log): Promise<number> {
    const deadline = Date.now() + (deps.checkRunWaitMs ?? 15_000);
    let id = job.checkRunId;
    while (id === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      id = deps.getJob(job.id)?.checkRunId ?? null;
    }
    if (id !== null) return id;
    const gh = githubOf(job);
    const created = await createCheckRun(octokit, whereOf(job), gh.head.sha, {
      status: 'in_progress',
      externalId: String(job.id),
      output: { title: 'Starting', summary: `A ${job.kind} is starting.` },
    });
    deps.setCheckRunId(job.id, created);
    log.info({ checkRunId: created }, 'no check run stored for the job: created one');
    return created;
  }

  async function settle(job: Job): Promise<void> {
    const state = progress.get(job.id);
    progress.delete(job.id);
    await state?.chain;
  }

  async function finish(job: Job, log: Log, update: { conclusion: 'success' | 'failure' | 'neutral' | 'cancelled'; output: CheckOutput }) {
    await settle(job);
    const octokit = await octokitFor(job);
    const checkRunId = await checkRunOf(job, octokit, log);
    const output = { ...update.output, title: redactor.redact(update.output.title), summary: redactor.redact(update.output.summary) };
    await updateCheckRun(octokit, whereOf(job), checkRunId, { conclusion: update.conclusion, output });
    return octokit;
  }

  return {
    async started(job, log) {
      const octokit = await octokitFor(job);
      const checkRunId = await checkRunOf(job, octokit, log);
      progress.set(job.id, { lines: [], lastSent: 0, lastPhase: null, chain: Promise.resolve() });
      await updateCheckRun(octokit, whereOf(job), checkRunId, {
        status: 'in_progress',
        output: { title: 'Running', summary: `A ${job.kind} started (attempt ${job.attempts}).` },
      });
    },

    progress(job, event, log) {
      const state = progress.get(job.id);
      if (!state) return;
      state.lines.push(`${event.phase}: ${redactor.redact(event.message)}`);
      const now = Date.now();
      if (event.phase === state.lastPhase && now - state.lastSent < interval) return;
      state.lastPhase = event.phase;
      state.lastSent = now;
      const output = progressOutput(job, state, event);
      state.chain = state.chain.then(async () => {
        try {
          const octokit = await octokitFor(job);
          const checkRunId = await checkRunOf(job, octokit, log);
          // No status here: the output only. A status could reopen a check run completed meanwhile.
          await updateCheckRun(octokit, whereOf(job), checkRunId, { output });
        } catch (err) {
          log.warn({ err: redactor.describe(err) }, 'progress update of the check run failed');
        }
      });
    },

    async completed(job, result, log) {
      const gh = githubOf(job);
      // The report names the public repo, not whatever local path or mirror the engine used.
      const shown: JobResult = { ...result, repo: gh.htmlUrl ?? `${gh.owner}/${gh.repo}` };
      const detailsUrl = deps.publicUrl ? dashboardJobUrl(deps.publicUrl, `${gh.owner}/${gh.repo}`, result) : undefined;
      const markdown = redactor.redact(renderMarkdown(shown, { maxChars: 60_000, detailsUrl }));
      const conclusion = conclusionFor(result, gateOf(job));
      const octokit = await finish(job, log, { conclusion, output: { title: summaryLine(shown), summary: markdown } });
      const comment = await upsertStickyComment(octokit, whereOf(job), gh.pr, markdown);
      log.info({ conclusion, commentId: comment.id, comment: comment.action }, 'result published');
    },

    async failed(job, error, log) {
      const message = redactor.describe(error);
      const output: CheckOutput =
        error instanceof ConfigError
          ? configInvalidOutput(error.problems, githubOf(job).base.sha)
          : {
              title: 'bumpbench could not finish',
              summary: [
                `The ${job.kind} failed: ${message}`,
                ...(typeof (error as { detail?: unknown })?.detail === 'string'
                  ? ['', '```', redactor.redact((error as { detail: string }).detail), '```']
                  : []),
                '',
                'Re-run the check once the cause is fixed.',
              ].join('\n'),
            };
      await finish(job, log, { conclusion: 'failure', output });
      log.info({ err: message }, 'failure published');
    },

    async cancelled(job, reason, log) {
      await finish(job, log, { conclusion: 'cancelled', output: { title: 'Cancelled', summary: reason } });
    },
  };
}
