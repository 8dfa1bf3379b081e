// The worker's GitHub side: a JobRunner that turns a queued GitHub job into a run (here or on the fleet),
// and a JobReporter that publishes progress and the result to the job's check run and its section of the
// PR's sticky comment. Both are idempotent per job, so a job rerun after a crash reports to the same check
// run and edits the same comment.
//
// What reaches GitHub is bumpbench's own summary. What the repository's commands printed (install, build,
// server output) goes to the job's log on this server, and to GitHub only under `publishLogs: true`.
import { ConfigError, parseConfigText } from '../config/load.ts';
import type { JobExecutor } from '../jobs/executor.ts';
import type { Job } from '../jobs/queue.ts';
import type { JobReporter, JobRunner, Log } from '../jobs/worker.ts';
import type { JobRequest, JobResult, ProgressEvent } from '../model.ts';
import { UserFacingError } from '../pipeline/errors.ts';
import { dashboardJobUrl, PRIVATE_OUTPUT_NOTE, renderMarkdown, summaryLine } from '../report/markdown.ts';
import { conclusionFor, createCheckRun, resultTitle, updateCheckRun, type CheckOutput } from './check-runs.ts';
import { cloneUrlProblem } from './clone-url.ts';
import { configInvalidOutput } from './messages.ts';
import type { Octokit, RepoRef } from './octokit.ts';
import { redactor } from './redact.ts';
import { mintRepoToken } from './repo-token.ts';
import { upsertStickyComment } from './sticky-comment.ts';

export interface GitHubWorkerDeps {
  /** An Octokit for one installation (Probot's `app.auth(id)`): check runs and comments. */
  auth: (installationId: number) => Promise<Octokit>;
  /** An Octokit authenticated as the App (Probot's `app.auth()`): mints each job's repository token. */
  appAuth: () => Promise<Octokit>;
  /** Fresh job rows (the handler stores the check run id right after enqueueing). */
  getJob: (id: number) => Job | null;
  setCheckRunId: (id: number, checkRunId: number) => void;
  dataDir: string;
  /** Runs the job here (the engine) or on the fleet. */
  execute: JobExecutor;
  /** The only origin clone URLs may point at (src/github/clone-url.ts). */
  gitHubOrigin: string;
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

/** The settings of the base branch's config the reporter needs; the strictest ones when it does not parse. */
function reportSettingsOf(job: Job): { gate: 'fail' | 'neutral'; publishLogs: boolean } {
  try {
    const config = parseConfigText(githubOf(job).configText);
    return { gate: config.gate, publishLogs: config.publishLogs };
  } catch {
    return { gate: 'fail', publishLogs: false };
  }
}

export function createGitHubRunner(deps: GitHubWorkerDeps): JobRunner {
  return async (job, { signal, onProgress, log }) => {
    const gh = githubOf(job);
    // Checked again here, not only when the webhook came in: the queue row is what runs.
    const problem = cloneUrlProblem(gh.cloneUrl, `${gh.owner}/${gh.repo}`, deps.gitHubOrigin);
    if (problem) {
      log.warn({ cloneUrl: gh.cloneUrl, reason: problem }, 'clone URL refused: no token minted, nothing runs');
      throw new UserFacingError(`bumpbench did not run: ${problem}.`);
    }
    // Validated again here: the queue stores the text (validation is not idempotent, see jobs/queue.ts).
    const config = parseConfigText(gh.configText);
    const request: JobRequest = {
      kind: job.kind,
      repo: gh.cloneUrl,
      base: gh.base,
      head: gh.head,
      pr: gh.pr,
      ...(gh.title !== undefined || gh.body !== undefined ? { prText: { title: gh.title, body: gh.body } } : {}),
      options: job.payload.options,
    };
    // Minted when the run starts (here, or when a fleet runner picks it up), for this repository only.
    const mintToken = async () => mintRepoToken(await deps.appAuth(), { installationId: gh.installationId, repo: gh.repo });
    // childEnv stays empty: the engine builds the child environment from scratch, and nothing of ours
    // (token, private key, webhook secret) belongs in it.
    // A soak keeps its samples under its job: rerun after a restart (or on another runner) it resumes.
    const soakKey = job.kind === 'soak' ? `job-${job.id}-${Date.parse(job.createdAt)}` : undefined;
    // The engine's narration goes through the redactor like everything else that leaves the process.
    const engineLog = { info: (obj: object, msg: string) => log.info(obj, redactor.redact(msg)) };
    return deps.execute(
      request,
      { dataDir: deps.dataDir, signal, onProgress, config, childEnv: {}, log: engineLog, ...(soakKey ? { soakKey } : {}) },
      { configText: gh.configText, mintToken, jobId: job.id },
    );
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
      kind: job.kind,
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
      const { gate, publishLogs } = reportSettingsOf(job);
      // The report names the public repo, not whatever local path or mirror the engine used.
      const shown: JobResult = { ...result, repo: gh.htmlUrl ?? `${gh.owner}/${gh.repo}` };
      if (!publishLogs) logPrivateSoakOutput(result, log);
      const detailsUrl = deps.publicUrl ? dashboardJobUrl(deps.publicUrl, `${gh.owner}/${gh.repo}`, result) : undefined;
      const markdown = redactor.redact(renderMarkdown(shown, { maxChars: 60_000, publishLogs, detailsUrl }));
      const conclusion = conclusionFor(result, gate);
      const octokit = await finish(job, log, { conclusion, output: { title: resultTitle(result, summaryLine(shown)), summary: markdown } });
      const comment = await upsertStickyComment(octokit, whereOf(job), gh.pr, job.kind, markdown);
      log.info({ conclusion, commentId: comment.id, comment: comment.action }, 'result published');
    },

    async failed(job, error, log) {
      const message = redactor.describe(error);
      const detail = typeof (error as { detail?: unknown })?.detail === 'string' ? redactor.redact((error as { detail: string }).detail) : undefined;
      const { publishLogs } = reportSettingsOf(job);
      if (detail !== undefined) {
        log.warn({ output: detail, published: publishLogs }, 'the last output of the failed command');
      }
      const output: CheckOutput =
        error instanceof ConfigError
          ? configInvalidOutput(error.problems, githubOf(job).base.sha)
          : {
              title: 'bumpbench could not finish',
              summary: [
                `The ${job.kind} failed: ${message}`,
                ...(detail === undefined ? [] : publishLogs ? ['', '```', detail, '```'] : ['', PRIVATE_OUTPUT_NOTE]),
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

    async requeued(job, log) {
      // The check run stays open; it says why it went quiet and that the job will run again.
      if (job.checkRunId === null) return;
      const octokit = await octokitFor(job);
      const resumes = job.kind === 'soak' ? ', resuming from the memory samples it has' : '';
      await updateCheckRun(octokit, whereOf(job), job.checkRunId, {
        output: {
          title: 'Queued again',
          summary: `The worker running this ${job.kind} stopped (a restart, crash or kill; attempt ${job.attempts}). It is queued again and will run again${resumes}.`,
        },
      });
      log.info({ checkRunId: job.checkRunId }, 'check run says the job is queued again');
    },
  };
}

/** A soak server that crashed printed its last words; they stay in the server's log unless published. */
function logPrivateSoakOutput(result: JobResult, log: Log): void {
  for (const side of ['base', 'head'] as const) {
    const crashed = result.soak?.[side].crashed;
    if (crashed !== undefined) log.warn({ side, output: redactor.redact(crashed) }, 'the last output of the soak server that exited');
  }
}
