// The worker's GitHub side: a queued GitHub job goes through the worker loop with a stand-in engine, and the
// check run and sticky comment are checked as a user would see them (nock plays GitHub). Also: the token a
// job gets is minted for its repository only; a clone URL off the GitHub host runs nothing; what PR code
// printed stays in the server's log unless the config says publishLogs; a soak or bisect after a failed
// compare leaves the compare's check as it was.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubWorker } from '../../src/github/worker-setup.ts';
import { localExecutor, type JobExecutor, type RunAccess } from '../../src/jobs/executor.ts';
import type { JobPayload } from '../../src/jobs/queue.ts';
import { SqliteJobQueue } from '../../src/jobs/sqlite-queue.ts';
import { newWorkerId } from '../../src/jobs/worker-identity.ts';
import type { Worker } from '../../src/jobs/worker.ts';
import type { JobRequest, JobResult } from '../../src/model.ts';
import { UserFacingError } from '../../src/pipeline/errors.ts';
import type { RunJobOptions } from '../../src/pipeline/run-job.ts';
import { renderMarkdown, summaryLine } from '../../src/report/markdown.ts';
import { fakeResult } from '../jobs/helpers.ts';
import { github, GOOD_CONFIG, INSTALLATION_TOKEN, memoryLogger, nonTokenCalls, REPO_TOKEN, testProbot, type Call, type LogLine } from './helpers.ts';

const REPO = '/repos/Codertocat/Hello-World';
const HEAD = 'b'.repeat(40);

let dir: string;
let queue: SqliteJobQueue;
let worker: Worker | undefined;
let scope: nock.Scope;
let calls: Call[];
let lines: LogLine[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bumpbench-gh-worker-'));
  queue = SqliteJobQueue.open(dir);
  ({ scope, calls } = github());
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  nock.cleanAll();
  nock.enableNetConnect();
  queue.close();
  rmSync(dir, { recursive: true, force: true });
});

function githubPayload(opts: { config?: string; cloneUrl?: string; kind?: JobPayload['kind'] } = {}): JobPayload {
  return {
    kind: opts.kind ?? 'compare',
    options: {},
    github: {
      installationId: 1,
      owner: 'Codertocat',
      repo: 'Hello-World',
      pr: 2,
      base: { ref: 'master', sha: 'a'.repeat(40) },
      head: { ref: 'bump-qs', sha: HEAD },
      cloneUrl: opts.cloneUrl ?? 'https://github.com/Codertocat/Hello-World.git',
      htmlUrl: 'https://github.com/Codertocat/Hello-World',
      configText: opts.config ?? GOOD_CONFIG,
      title: 'Bump qs from 6.5.1 to 6.5.3',
      body: 'Bumps [qs](https://github.com/ljharb/qs) from 6.5.1 to 6.5.3.',
      trigger: 'test',
      requestedBy: 'maintainer',
    },
  };
}

interface EngineCall {
  request: JobRequest;
  options: RunJobOptions;
}

function startWorker(execute: JobExecutor): void {
  const log = memoryLogger();
  lines = log.lines;
  worker = createGitHubWorker({ probot: testProbot(memoryLogger()), queue, dataDir: dir, log, execute, pollMs: 20, progressIntervalMs: 0, gitHubOrigin: 'https://github.com' });
  void worker.start();
}

/** The engine here, with the token minted the way the App mints it, and a stand-in for the measuring. */
function engine(fn: (request: JobRequest, options: RunJobOptions) => Promise<JobResult>): JobExecutor {
  return localExecutor(fn);
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const checkPatches = (id: number) => nonTokenCalls(calls).filter((c) => c.method === 'PATCH' && c.path === `${REPO}/check-runs/${id}`).map((c) => c.body);

describe('GitHub worker', () => {
  it('runs the engine with the base config and a token for this repository only, then completes the check run and edits the sticky comment', async () => {
    const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload(), checkRunId: 555 });
    const result = fakeResult('regression', HEAD);
    const engineCalls: EngineCall[] = [];
    scope.patch(`${REPO}/check-runs/555`).times(10).reply(200, { id: 555 });
    scope
      .get(`${REPO}/issues/2/comments`)
      .query({ per_page: '100' })
      .reply(200, [{ id: 70, body: 'nice', user: { login: 'someone', type: 'User' } }], {
        link: `<https://api.github.com${REPO}/issues/2/comments?per_page=100&page=2>; rel="next"`,
      });
    scope
      .get(`${REPO}/issues/2/comments`)
      .query({ per_page: '100', page: '2' })
      .reply(200, [
        { id: 71, body: 'quoting <!-- bumpbench:sticky --> by hand', user: { login: 'someone', type: 'User' } },
        { id: 77, body: '<!-- bumpbench:sticky -->\nold result', user: { login: 'bumpbench[bot]', type: 'Bot' } },
      ]);
    scope.patch(`${REPO}/issues/comments/77`).reply(200, { id: 77 });

    startWorker(engine(async (request, options) => {
      engineCalls.push({ request, options });
      options.onProgress?.({ phase: 'measure', message: 'pair 3 of 10 done', step: 3, total: 10 });
      return result;
    }));
    await until(() => queue.get(job.id)!.state === 'done', 'the job to finish');

    const [{ request, options }] = engineCalls;
    expect(request).toMatchObject({ kind: 'compare', repo: 'https://github.com/Codertocat/Hello-World.git', head: { sha: HEAD }, pr: 2 });
    // The PR's own words reach the engine as bump hints (checked there against the lockfile).
    expect(request.prText).toEqual({ title: 'Bump qs from 6.5.1 to 6.5.3', body: 'Bumps [qs](https://github.com/ljharb/qs) from 6.5.1 to 6.5.3.' });
    // Minted for Hello-World alone, contents: read, when the run started; handed over as a token, not a URL.
    expect(options.gitToken).toBe(REPO_TOKEN);
    const mints = calls.filter((c) => c.path === '/app/installations/1/access_tokens' && c.body?.repositories);
    expect(mints.map((c) => c.body)).toEqual([{ repositories: ['Hello-World'], permissions: { contents: 'read' } }]);
    expect(options.childEnv).toEqual({});
    expect(options.config!.scenarios[0].requests[0].path).toBe('/');
    expect(options.dataDir).toBe(dir);

    const patches = checkPatches(555);
    expect(patches[0]).toMatchObject({ status: 'in_progress' });
    expect(patches.some((p) => p.output.title === 'Running: measure (3/10)' && p.output.summary.includes('pair 3 of 10 done') && p.status === undefined)).toBe(true);
    const last = patches.at(-1);
    expect(last).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const shown = { ...result, repo: 'https://github.com/Codertocat/Hello-World' };
    expect(last.output.title).toBe(summaryLine(shown));
    expect(last.output.summary).toBe(renderMarkdown(shown, { maxChars: 60_000 }));

    const edit = nonTokenCalls(calls).find((c) => c.path === `${REPO}/issues/comments/77`)!;
    // The old comment (from before sections) was the compare's report; the compare replaces it.
    expect(edit.body.body).toBe(
      `<!-- bumpbench:sticky -->\n<!-- bumpbench:section:compare -->\n${renderMarkdown(shown, { maxChars: 60_000 })}\n<!-- bumpbench:end:compare -->`,
    );
    expect(nonTokenCalls(calls).some((c) => c.method === 'POST')).toBe(false); // edited, not a second comment
    expect(JSON.stringify(calls.map((c) => c.body))).not.toContain(INSTALLATION_TOKEN);
    expect(JSON.stringify(calls.map((c) => c.body))).not.toContain(REPO_TOKEN);
    // Neither the queue row nor the log holds the token.
    expect(JSON.stringify(queue.get(job.id))).not.toContain(REPO_TOKEN);
    expect(JSON.stringify(lines)).not.toContain(REPO_TOKEN);
  });

  it('a regression under `gate: neutral` completes neutral; the first result creates the sticky comment', async () => {
    const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload({ config: `${GOOD_CONFIG}gate: neutral\n` }), checkRunId: 600 });
    scope.patch(`${REPO}/check-runs/600`).times(10).reply(200, { id: 600 });
    scope.get(`${REPO}/issues/2/comments`).query(true).reply(200, []);
    scope.post(`${REPO}/issues/2/comments`).reply(201, { id: 88 });
    startWorker(engine(async () => fakeResult('regression', HEAD)));
    await until(() => queue.get(job.id)!.state === 'done', 'the job to finish');
    expect(checkPatches(600).at(-1)).toMatchObject({ conclusion: 'neutral' });
    const post = nonTokenCalls(calls).find((c) => c.method === 'POST' && c.path === `${REPO}/issues/2/comments`)!;
    expect(post.body.body.startsWith('<!-- bumpbench:sticky -->')).toBe(true);
  });

  it('an inconclusive compare completes neutral, with the reason in its title', async () => {
    const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload(), checkRunId: 610 });
    scope.patch(`${REPO}/check-runs/610`).times(10).reply(200, { id: 610 });
    scope.get(`${REPO}/issues/2/comments`).query(true).reply(200, []);
    scope.post(`${REPO}/issues/2/comments`).reply(201, { id: 89 });
    const result: JobResult = {
      ...fakeResult('inconclusive', HEAD),
      scenarios: [{ name: 'home', verdict: 'inconclusive', pairs: 15, metrics: {}, failedRuns: 0, loadGenBoundRuns: 0 }],
    };
    startWorker(engine(async () => result));
    await until(() => queue.get(job.id)!.state === 'done', 'the job to finish');
    const last = checkPatches(610).at(-1);
    expect(last).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(last.output.title).toBe('Inconclusive: cannot tell yet whether `home` is worse by the threshold.');
  });

  it('a clone URL that is not on the GitHub host runs nothing and mints no token; the check says why', async () => {
    for (const [i, cloneUrl] of ['/srv/repos/hello', 'https://evil.example/Codertocat/Hello-World.git', 'https://github.com/someone-else/repo.git'].entries()) {
      const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: `${i}`.repeat(40), payload: githubPayload({ cloneUrl }), checkRunId: 620 + i });
      scope.patch(`${REPO}/check-runs/${620 + i}`).times(10).reply(200, { id: 620 + i });
      const engineCalls: EngineCall[] = [];
      startWorker(engine(async (request, options) => {
        engineCalls.push({ request, options });
        return fakeResult('unchanged', HEAD);
      }));
      await until(() => queue.get(job.id)!.state === 'failed', 'the job to be refused');
      await worker!.stop();
      expect(engineCalls).toEqual([]);
      const last = checkPatches(620 + i).at(-1);
      expect(last).toMatchObject({ status: 'completed', conclusion: 'failure' });
      expect(last.output.summary).toMatch(/bumpbench did not run: the clone URL/);
      expect(lines.some((l) => l.msg === 'clone URL refused: no token minted, nothing runs')).toBe(true);
    }
    expect(calls.filter((c) => c.body?.repositories)).toEqual([]);
  });

  it('an engine failure fails the check with the message, redacted', async () => {
    const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload(), checkRunId: 700 });
    scope.patch(`${REPO}/check-runs/700`).times(10).reply(200, { id: 700 });
    startWorker(engine(async (_request, options) => {
      throw new Error(`cannot fetch: fatal: the server said no to token ${options.gitToken}: 502`);
    }));
    await until(() => queue.get(job.id)!.state === 'failed', 'the job to fail');
    const last = checkPatches(700).at(-1);
    expect(last).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'bumpbench could not finish' } });
    expect(last.output.summary).toContain('the server said no to token ***: 502');
    expect(JSON.stringify(calls.map((c) => c.body))).not.toContain(REPO_TOKEN);
    expect(queue.get(job.id)!.error).not.toContain(REPO_TOKEN);
  });

  it("what the PR's commands printed goes to the server's log, and to the check run only under publishLogs: true", async () => {
    const output = 'npm ERR! postinstall printed this\nsecret-looking ghs_abcdefghijklmnopqrstuvwxyz0123 line';
    const failing = engine(async () => {
      throw new UserFacingError('base (aaaaaaa): install failed (`npm ci` exited with 1). Check the `install` command in .github/bumpbench.yml.', output);
    });
    const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload(), checkRunId: 710 });
    scope.patch(`${REPO}/check-runs/710`).times(10).reply(200, { id: 710 });
    startWorker(failing);
    await until(() => queue.get(job.id)!.state === 'failed', 'the job to fail');
    await worker!.stop();
    const kept = checkPatches(710).at(-1).output.summary as string;
    expect(kept).toContain('install failed (`npm ci` exited with 1)');
    expect(kept).not.toContain('postinstall printed this');
    expect(kept).toContain("in the job's log on the bumpbench server");
    const logged = lines.find((l) => l.msg === 'the last output of the failed command')!;
    expect(logged.bindings).toMatchObject({ published: false });
    expect(String(logged.bindings.output)).toContain('postinstall printed this');
    expect(String(logged.bindings.output)).not.toContain('ghs_abcdefghijklmnopqrstuvwxyz0123');

    const second = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: 'd'.repeat(40), payload: githubPayload({ config: `${GOOD_CONFIG}publishLogs: true\n` }), checkRunId: 711 });
    scope.patch(`${REPO}/check-runs/711`).times(10).reply(200, { id: 711 });
    startWorker(failing);
    await until(() => queue.get(second.job.id)!.state === 'failed', 'the second job to fail');
    const shown = checkPatches(711).at(-1).output.summary as string;
    expect(shown).toContain('postinstall printed this');
    expect(shown).not.toContain('ghs_abcdefghijklmnopqrstuvwxyz0123'); // redaction applies either way
  });

  it("a crashed soak server's last output stays out of the report unless publishLogs", async () => {
    const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload({ kind: 'soak' }), checkRunId: 720 });
    scope.patch(`${REPO}/check-runs/720`).times(10).reply(200, { id: 720 });
    scope.get(`${REPO}/issues/2/comments`).query(true).reply(200, []);
    scope.post(`${REPO}/issues/2/comments`).reply(201, { id: 90 });
    startWorker(engine(async () => soakResult({ crashed: 'Error: head server printed its secrets' })));
    await until(() => queue.get(job.id)!.state === 'done', 'the soak to finish');
    const last = checkPatches(720).at(-1);
    expect(last.output.summary).toContain("head's server exited during the soak");
    expect(last.output.summary).not.toContain('printed its secrets');
    expect(JSON.stringify(nonTokenCalls(calls).map((c) => c.body))).not.toContain('printed its secrets');
    expect(lines.some((l) => l.msg === 'the last output of the soak server that exited' && String(l.bindings.output).includes('printed its secrets'))).toBe(true);
  });
});

function soakResult(head: { crashed?: string } = {}): JobResult {
  const side = {
    slopeMiBPerHour: 0.1, p: 0.8, leak: false, samples: 100, windows: 6, baselineMiB: 50, growthMiB: 0.1,
    reason: 'no trend', requests: 1000, failedRequests: 0, series: [[0, 50], [60, 50]] as [number, number][],
  };
  return {
    ...fakeResult(head.crashed ? 'regression' : 'unchanged', HEAD),
    kind: 'soak',
    soak: { base: side, head: { ...side, ...head }, durationSec: 60, rate: 10, warmupSec: 10, windowSec: 10, scenarios: ['home'] },
  };
}

// ---- the gate: a bisect or a soak after a failed compare ----

/** A PR's comments as GitHub keeps them: listed, created, edited. */
function fakeComments(): { bodies: () => string[] } {
  const comments: { id: number; body: string; user: { login: string; type: string } }[] = [];
  scope.persist();
  scope.get(`${REPO}/issues/2/comments`).query(true).reply(200, () => comments);
  scope.post(`${REPO}/issues/2/comments`).reply(201, (_uri: string, body: any) => {
    const comment = { id: 800 + comments.length, body: body.body, user: { login: 'bumpbench[bot]', type: 'Bot' } };
    comments.push(comment);
    return comment;
  });
  scope.patch(/\/issues\/comments\/\d+$/).reply(200, (uri: string, body: any) => {
    const comment = comments.find((c) => uri.endsWith(`/${c.id}`))!;
    comment.body = body.body;
    return comment;
  });
  return { bodies: () => comments.map((c) => c.body) };
}

describe('the gate cannot be flipped', () => {
  it('a soak and a bisect after a failed compare report on their own check runs; the compare stays failed, its report stays in the comment', async () => {
    const comments = fakeComments();
    scope.patch(/\/check-runs\/\d+$/).reply(200, {});
    const results: Record<string, JobResult> = {
      compare: fakeResult('regression', HEAD),
      soak: soakResult(),
      bisect: { ...fakeResult('inconclusive', HEAD), kind: 'bisect', notes: ['the re-check was inconclusive'] },
    };
    const byKind: Record<string, number> = { compare: 901, soak: 902, bisect: 903 };
    startWorker(async (request: JobRequest, _options: RunJobOptions, _access: RunAccess) => results[request.kind]);
    for (const kind of ['compare', 'soak', 'bisect'] as const) {
      const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload({ kind }), checkRunId: byKind[kind] });
      await until(() => queue.get(job.id)!.state === 'done', `the ${kind} to finish`);
    }
    const completions = nonTokenCalls(calls).filter((c) => c.method === 'PATCH' && c.path.includes('/check-runs/') && c.body.status === 'completed');
    expect(completions.map((c) => [c.path.split('/').at(-1), c.body.conclusion])).toEqual([
      ['901', 'failure'],
      ['902', 'success'],
      ['903', 'neutral'],
    ]);
    // Nothing touched the compare's check run after it failed.
    const compareWrites = nonTokenCalls(calls).filter((c) => c.path.endsWith('/check-runs/901'));
    expect(compareWrites.at(-1)!.body.conclusion).toBe('failure');
    expect(compareWrites.indexOf(completions[0])).toBe(compareWrites.length - 1);

    const [body] = comments.bodies();
    expect(comments.bodies()).toHaveLength(1);
    expect(body).toContain('## bumpbench: Performance regression');
    expect(body).toContain('## bumpbench: No new memory growth');
    expect(body).toContain('the re-check was inconclusive');
    expect(body.indexOf('Performance regression')).toBeLessThan(body.indexOf('No new memory growth'));
  });
});

describe('a job whose worker died', () => {
  it('its check run says it is queued again, and the rerun reports to the same check run', async () => {
    const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload({ kind: 'soak' }), checkRunId: 8800 });
    // Claimed by a worker of a process that is gone (same host and pid, another start time).
    const [host, pid, start, boot] = newWorkerId().split(':');
    queue.claim([host, pid, String(Number(start) - 3), boot, 'gone'].join(':'));
    const patches: any[] = [];
    scope.patch(`${REPO}/check-runs/8800`).times(10).reply(200, (_uri: string, body: any) => (patches.push(body), { id: 8800 }));
    scope.get(`${REPO}/issues/2/comments`).query(true).reply(200, []);
    scope.post(`${REPO}/issues/2/comments`).reply(201, { id: 1 });
    startWorker(async () => ({ ...fakeResult('unchanged', HEAD), kind: 'soak' }));
    const deadline = Date.now() + 10_000;
    while (queue.get(job.id)!.state !== 'done' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(patches[0].output).toMatchObject({ title: 'Queued again' });
    expect(patches[0].output.summary).toMatch(/^The worker running this soak stopped \(a restart, crash or kill; attempt 1\)\. It is queued again and will run again, resuming from the memory samples it has\.$/);
    expect(patches.at(-1)).toMatchObject({ status: 'completed' });
    expect(queue.get(job.id)).toMatchObject({ state: 'done', attempts: 2 });
  });
});

