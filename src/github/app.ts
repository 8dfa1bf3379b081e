// The webhook handlers. They decide whether and what to run, check who asked, read the config from the
// base branch, and enqueue; they never measure anything and return in well under GitHub's 10 seconds.
// Every early return logs why, so "why did nothing happen on my PR?" is answered by the log.
import type { ApplicationFunction, Context, Probot } from 'probot';
import { soakTooShort } from '../bench/soak-plan.ts';
import type { JobKind, JobPayload, JobQueue } from '../jobs/queue.ts';
import type { Log } from '../jobs/worker.ts';
import { createCheckRun, kindOfCheck, updateCheckRun } from './check-runs.ts';
import { cloneUrlProblem, gitHubOrigin } from './clone-url.ts';
import { parseCommand, type Command } from './commands.ts';
import { DeliveryLog } from './delivery-log.ts';
import { isLockfileChange } from './lockfile-paths.ts';
import {
  configInvalidOutput,
  configMissingOutput,
  devOnlySkippedOutput,
  helpText,
  notAllowedReply,
  unknownCommandReply,
} from './messages.ts';
import type { Octokit, RepoRef } from './octokit.ts';
import { accessOf, mayRunCode } from './permissions.ts';
import { PrHeads } from './pr-heads.ts';
import { redactor } from './redact.ts';
import { readBaseConfig, triggerSettings, type BaseConfig, type TriggerSettings } from './repo-config.ts';
import { devOnlyPullRequest, type PrFile } from './dev-only-check.ts';

/** Authors whose PRs run automatically under `triggers.auto: bots`. */
export const DEPENDENCY_BOTS = ['dependabot[bot]', 'renovate[bot]'];

export interface AppDeps {
  queue: JobQueue;
  /** Called after a job was enqueued, so an in-process worker starts at once instead of at its next poll. */
  onEnqueued?: () => void;
  /** The App's slug (its bot is `<slug>[bot]`); asked of the API once when not given. */
  appSlug?: string;
  /** The only origin clone URLs may point at; default github.com, or GHE_HOST (src/github/clone-url.ts). */
  gitHubOrigin?: string;
  /** Deliveries already handled (default: in memory; serve keeps them beside the queue). */
  deliveries?: DeliveryLog;
  /** When each PR head became the head (default: in memory; serve keeps them beside the queue). */
  heads?: PrHeads;
}

/** The parts of a pull request the handlers use; both the webhook payload and `pulls.get` have them. */
export interface PullLike {
  number: number;
  state: string;
  title?: string;
  body?: string | null;
  user: { login: string } | null;
  labels?: { name?: string }[];
  head: { ref: string; sha: string; repo: { full_name: string } | null };
  base: { ref: string; sha: string; repo: { full_name: string; clone_url: string; html_url: string } };
  /** GitHub's time of the PR's last change: in a pull_request event, when the head it carries was the head at the latest. */
  updated_at?: string;
}

interface Sender {
  login: string;
  type: string;
}

type AnyContext = Context<'pull_request' | 'issue_comment' | 'check_run'>;

export function isFork(pr: PullLike): boolean {
  return pr.head.repo === null || pr.head.repo.full_name !== pr.base.repo.full_name;
}

export function createApp(depsOrFactory: AppDeps | (() => AppDeps)): ApplicationFunction {
  return (app: Probot) => {
    let deps: AppDeps | undefined;
    const getDeps = () => (deps ??= typeof depsOrFactory === 'function' ? depsOrFactory() : depsOrFactory);
    let fallback: { deliveries: DeliveryLog; heads: PrHeads } | undefined;
    const memory = () => (fallback ??= { deliveries: new DeliveryLog(':memory:'), heads: new PrHeads(':memory:') });
    const deliveries = () => getDeps().deliveries ?? memory().deliveries;
    const heads = () => getDeps().heads ?? memory().heads;

    /**
     * Each delivery is handled once, whatever GitHub or an operator sends again. A handler that fails
     * forgets its claim, so a redelivery of it is handled.
     */
    function once<C extends AnyContext>(handler: (context: C) => Promise<void>): (context: C) => Promise<void> {
      return async (context) => {
        if (!deliveries().claim(context.id)) {
          context.log.info({ delivery: context.id, event: `${context.name}.${context.payload.action}` }, 'delivery already handled (same X-GitHub-Delivery): ignored');
          return;
        }
        try {
          await handler(context);
        } catch (err) {
          deliveries().forget(context.id);
          throw err;
        }
      };
    }

    /** The head this pull_request event carries was the head at its `updated_at` at the latest. */
    function noteHead(where: RepoRef, pr: PullLike): void {
      heads().saw(`${where.owner}/${where.repo}`, pr.number, pr.head.sha, Date.parse(pr.updated_at ?? ''));
    }

    /**
     * Whether the head an event carries is still the PR's head. Deliveries come in any order: an event
     * older than one already seen must not cancel the newer job or benchmark its stale commit. The API is
     * asked only when our record cannot tell (two heads in the same second).
     */
    async function stillHead(context: AnyContext, pr: PullLike, log: Log): Promise<boolean> {
      const where = context.repo();
      const freshness = heads().freshness(`${where.owner}/${where.repo}`, pr.number, pr.head.sha, Date.parse(pr.updated_at ?? ''));
      if (freshness === 'current') return true;
      if (freshness === 'unsure') {
        const { pr: now } = await pullsGet(context, pr.number);
        if (now.head.sha === pr.head.sha) return true;
        log.info({ current: now.head.sha }, 'out-of-order delivery: the PR head has moved on since this event; ignored');
        return false;
      }
      log.info('out-of-order delivery: a later head of this PR is already known; this event is ignored');
      return false;
    }
    let slug: Promise<string | null> | undefined;

    /** Our own slug, from deps or the API (cached; a failure is logged and retried on the next event). */
    function appSlug(log: Log): Promise<string | null> {
      const given = getDeps().appSlug;
      if (given) return Promise.resolve(given);
      slug ??= app
        .auth()
        .then(async (octokit) => (await octokit.rest.apps.getAuthenticated()).data?.slug ?? null)
        .catch((err: unknown) => {
          log.warn({ err: redactor.describe(err) }, 'could not look up the App slug; own events are recognised by login only');
          slug = undefined;
          return null;
        });
      return slug;
    }

    async function isOwnEvent(sender: Sender | undefined, log: Log): Promise<boolean> {
      if (!sender || sender.type !== 'Bot') return false;
      const mine = await appSlug(log);
      return mine !== null && sender.login === `${mine}[bot]`;
    }

    function logFor(context: AnyContext, extra: Record<string, unknown>): Log {
      const { owner, repo } = context.repo();
      return context.log.child({ event: `${context.name}.${context.payload.action}`, delivery: context.id, repo: `${owner}/${repo}`, ...extra });
    }

    // ---- shared: supersede, refuse, start ----

    /** A new push makes the jobs for older SHAs of the PR pointless: cancel them. */
    async function supersede(octokit: Octokit, where: RepoRef, pr: PullLike, log: Log): Promise<void> {
      const cancelled = getDeps().queue.cancel(
        { repo: `${where.owner}/${where.repo}`, pr: pr.number, exceptSha: pr.head.sha },
        `superseded by a newer push (${pr.head.sha.slice(0, 7)})`,
      );
      await reportCancelledQueued(octokit, where, cancelled, log);
    }

    /** Queued jobs never reached a worker, so their check runs are closed here; running ones by the worker. */
    async function reportCancelledQueued(
      octokit: Octokit,
      where: RepoRef,
      cancelled: ReturnType<JobQueue['cancel']>,
      log: Log,
    ): Promise<void> {
      for (const { job, wasRunning } of cancelled) {
        log.info({ jobId: job.id, sha: job.sha, wasRunning, reason: job.cancelReason }, 'job cancelled');
        if (wasRunning || job.checkRunId === null) continue;
        await updateCheckRun(octokit, where, job.checkRunId, {
          conclusion: 'cancelled',
          output: { title: 'Cancelled', summary: job.cancelReason ?? 'cancelled' },
        });
      }
    }

    async function reply(context: AnyContext, issueNumber: number, body: string): Promise<void> {
      const { owner, repo } = context.repo();
      await context.octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: redactor.redact(body) });
    }

    interface StartArgs {
      context: AnyContext;
      pr: PullLike;
      base: BaseConfig;
      kind: JobKind;
      options?: JobPayload['options'];
      trigger: string;
      requestedBy: string;
      log: Log;
    }

    /** Config problems become a completed check right away; a good config becomes a queued job + check run. */
    async function start({ context, pr, base, kind, options = {}, trigger, requestedBy, log }: StartArgs): Promise<void> {
      const where = context.repo();
      const octokit = context.octokit;
      const repoName = `${where.owner}/${where.repo}`;
      const refused = cloneUrlProblem(pr.base.repo.clone_url, repoName, getDeps().gitHubOrigin ?? gitHubOrigin());
      if (refused) {
        log.warn({ cloneUrl: pr.base.repo.clone_url, reason: refused }, 'clone URL refused: nothing queued, nothing runs');
        await createCheckRun(octokit, where, pr.head.sha, {
          kind,
          status: 'completed',
          conclusion: 'failure',
          output: { title: 'Refused: clone URL not on the configured GitHub host', summary: `bumpbench did not run: ${refused}.` },
        });
        return;
      }
      if (base.status === 'missing') {
        log.info('no config on the base branch: neutral check with a starter file');
        await createCheckRun(octokit, where, pr.head.sha, { kind, status: 'completed', conclusion: 'neutral', output: configMissingOutput(pr.base.sha) });
        return;
      }
      if (base.status === 'invalid') {
        log.info({ problems: base.problems }, 'invalid config on the base branch: failing check');
        await createCheckRun(octokit, where, pr.head.sha, {
          kind,
          status: 'completed',
          conclusion: 'failure',
          output: configInvalidOutput(base.problems, pr.base.sha),
        });
        return;
      }
      const installationId = (context.payload as { installation?: { id: number } }).installation?.id;
      if (installationId === undefined) {
        log.warn('event without an installation id: cannot act for an installation');
        return;
      }
      const { job, created } = getDeps().queue.enqueue({
        repo: repoName,
        pr: pr.number,
        sha: pr.head.sha,
        payload: {
          kind,
          options,
          github: {
            installationId,
            owner: where.owner,
            repo: where.repo,
            pr: pr.number,
            base: { ref: pr.base.ref, sha: pr.base.sha },
            head: { ref: pr.head.ref, sha: pr.head.sha },
            cloneUrl: pr.base.repo.clone_url,
            htmlUrl: pr.base.repo.html_url,
            configText: base.text,
            // Bump hints for the report (Dependabot/Renovate titles say what they meant to change); capped,
            // since a Renovate body can be long and the queue keeps it.
            ...(pr.title ? { title: pr.title.slice(0, 500) } : {}),
            ...(pr.body ? { body: pr.body.slice(0, 20_000) } : {}),
            trigger,
            requestedBy,
          },
        },
      });
      const jobLog = log.child({ jobId: job.id, kind });
      if (!created) {
        jobLog.info({ state: job.state }, 'same PR, SHA and kind already queued or running: trigger collapsed into it');
        return;
      }
      const checkRunId = await createCheckRun(octokit, where, pr.head.sha, {
        kind,
        status: 'queued',
        externalId: String(job.id),
        output: { title: 'Queued', summary: `A ${kind} of \`${pr.base.sha.slice(0, 7)}\` → \`${pr.head.sha.slice(0, 7)}\` is queued (${trigger}, by @${requestedBy}).` },
      });
      getDeps().queue.setCheckRunId(job.id, checkRunId);
      jobLog.info({ checkRunId, trigger, requestedBy }, 'job enqueued');
      getDeps().onEnqueued?.();
    }

    /** The PR as it is now, and GitHub's time of the answer: its head was the head then at the latest. */
    async function pullsGet(context: AnyContext, number: number): Promise<{ pr: PullLike; at: number }> {
      const { data, headers } = await context.octokit.rest.pulls.get({ ...context.repo(), pull_number: number });
      const at = Date.parse(String(headers.date ?? ''));
      return { pr: data as PullLike, at: Number.isFinite(at) ? at : Date.now() };
    }

    /** Every file the PR changes (GitHub lists up to 3,000), each with its old name when it was renamed. */
    async function prFiles(context: AnyContext, number: number): Promise<PrFile[]> {
      const files: PrFile[] = [];
      const pages = context.octokit.paginate.iterator(context.octokit.rest.pulls.listFiles, { ...context.repo(), pull_number: number, per_page: 100 });
      for await (const page of pages) files.push(...page.data.map((f) => ({ filename: f.filename, status: f.status, previous_filename: f.previous_filename })));
      return files;
    }

    /** A renamed lockfile counts under its old name too. */
    const changesLockfile = (files: PrFile[]): boolean =>
      files.some((f) => isLockfileChange(f.filename) || (f.previous_filename !== undefined && isLockfileChange(f.previous_filename)));

    /**
     * `triggers.skipDevOnly`: an automatic run of a bump of dev dependencies only ends as a neutral check
     * saying so, and nothing is queued. True when it did; anything undecided runs as usual.
     */
    async function skippedAsDevOnly(context: AnyContext, pr: PullLike, files: PrFile[], settings: TriggerSettings, log: Log): Promise<boolean> {
      if (!settings.skipDevOnly) return false;
      const where = context.repo();
      const check = await devOnlyPullRequest(context.octokit, where, { base: pr.base.sha, head: pr.head.sha }, files);
      if ('error' in check) {
        log.warn({ reason: check.error }, 'could not tell whether the bump changes dev dependencies only: running it');
        return false;
      }
      if (!check.verdict.devOnly) {
        log.info({ why: check.verdict.why }, 'not a dev-only bump');
        return false;
      }
      await createCheckRun(context.octokit, where, pr.head.sha, {
        kind: 'compare',
        status: 'completed',
        conclusion: 'neutral',
        output: devOnlySkippedOutput(check.verdict.summary, check.changes, settings.label),
      });
      log.info({ changes: check.changes.length }, 'dev dependencies only (triggers.skipDevOnly): neutral check, nothing queued');
      return true;
    }

    // ---- pull_request opened / synchronize / reopened ----

    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened'], once(async (context) => {
      const pr = context.payload.pull_request as unknown as PullLike;
      const log = logFor(context, { pr: pr.number, sha: pr.head.sha });
      const where = context.repo();
      noteHead(where, pr);
      if (await isOwnEvent(context.payload.sender, log)) return log.debug('own event: ignored');
      if (!(await stillHead(context, pr, log))) return;
      if (context.payload.action === 'synchronize') await supersede(context.octokit, where, pr, log);
      if (isFork(pr)) {
        return log.info('PR from a fork: never run automatically; a maintainer can add the label or comment /bumpbench bench');
      }
      const base = await readBaseConfig(context.octokit, where, pr.base.sha);
      const settings = triggerSettings(base);
      const labelled = (pr.labels ?? []).some((l) => l.name === settings.label);
      const author = pr.user?.login ?? '';
      if (!labelled) {
        if (settings.auto === 'off') return log.info('triggers.auto is off and the PR has no trigger label: not running');
        if (settings.auto === 'bots' && !DEPENDENCY_BOTS.includes(author)) {
          return log.info({ author }, `triggers.auto is "bots" and the author is not Dependabot or Renovate: not running`);
        }
        const files = await prFiles(context, pr.number);
        if (!changesLockfile(files)) return log.info('the PR changes no lockfile or runtime pin: not running');
        if (base.status === 'ok' && (await skippedAsDevOnly(context, pr, files, settings, log))) return;
      }
      await start({
        context,
        pr,
        base,
        kind: 'compare',
        trigger: labelled ? `"${settings.label}" label, ${context.payload.action}` : `automatic, ${context.payload.action}`,
        requestedBy: author,
        log,
      });
    }));

    // ---- pull_request labeled ----

    app.on('pull_request.labeled', once(async (context) => {
      const pr = context.payload.pull_request as unknown as PullLike;
      const sender = context.payload.sender;
      const log = logFor(context, { pr: pr.number, sha: pr.head.sha, sender: sender.login });
      const where = context.repo();
      noteHead(where, pr);
      if (await isOwnEvent(sender, log)) return log.debug('own event: ignored');
      if (pr.state !== 'open') return log.info('label on a closed PR: not running');
      const base = await readBaseConfig(context.octokit, where, pr.base.sha);
      const settings = triggerSettings(base);
      if (context.payload.label?.name !== settings.label) {
        return log.debug({ label: context.payload.label?.name, trigger: settings.label }, 'not the trigger label');
      }
      const access = await accessOf(context.octokit, where, sender.login);
      if (!mayRunCode(access)) {
        log.info({ access }, 'trigger label added by someone without write access: not running');
        if (sender.type !== 'Bot') await reply(context, pr.number, notAllowedReply(sender.login, 'start a benchmark with a label'));
        return;
      }
      // The label binds the head the maintainer saw when adding it; a later push makes this event stale.
      if (!(await stillHead(context, pr, log))) return;
      await start({ context, pr, base, kind: 'compare', trigger: `"${settings.label}" label`, requestedBy: sender.login, log });
    }));

    // ---- issue_comment created: slash commands ----

    app.on('issue_comment.created', once(async (context) => {
      const { issue, comment, sender } = context.payload;
      const log = logFor(context, { pr: issue.number, sender: sender.login, commentId: comment.id });
      if (!issue.pull_request) return log.debug('comment on an issue, not a PR: ignored');
      if (await isOwnEvent(sender, log)) return log.debug('own comment: ignored');
      const command = parseCommand(comment.body ?? '');
      if (command === null) return log.debug('no /bumpbench line: ignored');
      const cmdLog = log.child({ command: command.name });
      if (command.name === 'help') {
        await reply(context, issue.number, helpText());
        return cmdLog.info('help sent');
      }
      if (command.name === 'unknown') {
        await reply(context, issue.number, unknownCommandReply(command.input, command.problem));
        return cmdLog.info({ input: command.input }, 'unknown command: replied with the valid ones');
      }
      const where = context.repo();
      const access = await accessOf(context.octokit, where, sender.login);
      if (!mayRunCode(access)) {
        await reply(context, issue.number, notAllowedReply(sender.login, `use \`/bumpbench ${command.name}\``));
        return cmdLog.info({ access }, 'command from someone without write access: refused, nothing runs');
      }
      if (command.name === 'cancel') {
        const cancelled = getDeps().queue.cancel({ repo: `${where.owner}/${where.repo}`, pr: issue.number }, `cancelled by @${sender.login}`);
        await reportCancelledQueued(context.octokit, where, cancelled, cmdLog);
        await reply(
          context,
          issue.number,
          cancelled.length ? `Cancelled ${cancelled.length} bumpbench job(s) of this pull request.` : 'There is no queued or running bumpbench job on this pull request.',
        );
        return cmdLog.info({ cancelled: cancelled.length }, 'cancel command handled');
      }
      const { pr, at } = await pullsGet(context, issue.number);
      const prLog = cmdLog.child({ sha: pr.head.sha });
      if (pr.state !== 'open') {
        await reply(context, issue.number, 'This pull request is closed; reopen it to benchmark it.');
        return prLog.info('command on a closed PR: not running');
      }
      const unbound = commandBinding(`${where.owner}/${where.repo}`, pr, comment.created_at, at);
      if (unbound) {
        await reply(context, issue.number, `@${sender.login} nothing was run: ${unbound}`);
        return prLog.info({ commentedAt: comment.created_at }, 'command not bound to the current head: refused, nothing runs');
      }
      const base = await readBaseConfig(context.octokit, where, pr.base.sha);
      const { kind, options } = jobFor(command);
      if (kind === 'soak' && base.status === 'ok') {
        // Refused before it is queued: a soak too short for the trend test can only end inconclusive.
        const tooShort = soakTooShort(options.soakSeconds !== undefined ? options.soakSeconds * 1000 : base.config.soak.duration, base.config.soak);
        if (tooShort) {
          await reply(context, issue.number, `@${sender.login} the soak was not started: ${tooShort}.`);
          return prLog.info({ soakSeconds: options.soakSeconds }, 'soak too short to reach a verdict: refused, nothing queued');
        }
      }
      await start({ context, pr, base, kind, options, trigger: `\`/bumpbench ${command.name}\``, requestedBy: sender.login, log: prLog });
    }));

    // ---- check_run rerequested ("Re-run" in the Checks tab) ----

    /**
     * A command runs the head its author saw: the PR's head now must already have been its head when the
     * comment was written (on GitHub's clock). Null when it was; else why not, for the reply. A head we
     * first learn of now is trusted on a PR from the repository itself (pushing there needs write access),
     * not on a fork's: the fork could have pushed it after the comment. Either way it is known from now on,
     * so the next command binds it.
     */
    function commandBinding(repo: string, pr: PullLike, commentedAt: string, answeredAt: number): string | null {
      const since = heads().since(repo, pr.number, pr.head.sha);
      heads().saw(repo, pr.number, pr.head.sha, answeredAt);
      const short = `\`${pr.head.sha.slice(0, 7)}\``;
      const commented = Date.parse(commentedAt);
      if (since === null) {
        if (!isFork(pr)) return null;
        return `this pull request comes from a fork and its head is now ${short}, which bumpbench had not seen when you commented, so it may have been pushed after your command. Comment again to benchmark ${short}.`;
      }
      if (Number.isFinite(commented) && since > commented) {
        return `the head of this pull request moved to ${short} after your command. Comment again to benchmark ${short}.`;
      }
      return null;
    }

    app.on('check_run.rerequested', once(async (context) => {
      const { check_run: run, sender } = context.payload;
      const log = logFor(context, { sha: run.head_sha, sender: sender.login, checkRunId: run.id });
      if (await isOwnEvent(sender, log)) return log.debug('own event: ignored');
      const kindOfRun = kindOfCheck(run.name);
      if (kindOfRun === null) return log.debug({ name: run.name }, 'not our check run');
      const where = context.repo();
      const access = await accessOf(context.octokit, where, sender.login);
      if (!mayRunCode(access)) return log.info({ access }, 're-run requested by someone without write access: not running');
      // The job behind the check run says what to repeat; fork PRs are missing from `pull_requests`.
      const previous = run.external_id ? getDeps().queue.get(Number(run.external_id)) : null;
      const number = run.pull_requests[0]?.number ?? previous?.pr ?? null;
      if (number === null) return log.info('re-run of a check run with no pull request: not running');
      const { pr, at } = await pullsGet(context, number);
      heads().saw(`${where.owner}/${where.repo}`, pr.number, pr.head.sha, at);
      if (pr.head.sha !== run.head_sha) {
        return log.info({ pr: number, current: pr.head.sha }, 're-run of an outdated commit: the PR has moved on; not running');
      }
      const base = await readBaseConfig(context.octokit, where, pr.base.sha);
      await start({
        context,
        pr,
        base,
        kind: previous?.kind ?? kindOfRun,
        options: previous?.payload.options ?? {},
        trigger: 're-run',
        requestedBy: sender.login,
        log: log.child({ pr: number }),
      });
    }));
  };
}

function jobFor(command: Extract<Command, { name: 'bench' | 'more' | 'bisect' | 'soak' }>): { kind: JobKind; options: JobPayload['options'] } {
  switch (command.name) {
    case 'bench':
      return { kind: 'compare', options: {} };
    case 'more':
      // The newest stored compare of the PR's base and head: its samples, plus more pairs.
      return { kind: 'compare', options: { resume: 'latest', ...(command.pairs ? { pairs: command.pairs } : {}) } };
    case 'bisect':
      return { kind: 'bisect', options: command.package ? { package: command.package } : {} };
    case 'soak':
      return { kind: 'soak', options: command.seconds ? { soakSeconds: command.seconds } : {} };
  }
}
