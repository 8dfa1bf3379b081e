// The worker's GitHub side: a queued GitHub job goes through the worker loop with a stand-in engine, and the
// check run and sticky comment are checked as a user would see them (nock plays GitHub).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunJobFn } from '../../src/github/job-handlers.ts';
import { createGitHubWorker } from '../../src/github/worker-setup.ts';
import type { JobPayload } from '../../src/jobs/queue.ts';
import { SqliteJobQueue } from '../../src/jobs/sqlite-queue.ts';
import type { Worker } from '../../src/jobs/worker.ts';
import type { JobRequest } from '../../src/model.ts';
import type { RunJobOptions } from '../../src/pipeline/run-job.ts';
import { renderMarkdown, summaryLine } from '../../src/report/markdown.ts';
import { fakeResult } from '../jobs/helpers.ts';
import { github, GOOD_CONFIG, INSTALLATION_TOKEN, memoryLogger, nonTokenCalls, testProbot, type Call } from './helpers.ts';

const REPO = '/repos/Codertocat/Hello-World';
const HEAD = 'b'.repeat(40);

let dir: string;
let queue: SqliteJobQueue;
let worker: Worker | undefined;
let scope: nock.Scope;
let calls: Call[];

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

function githubPayload(opts: { config?: string; cloneUrl?: string } = {}): JobPayload {
  return {
    kind: 'compare',
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

function startWorker(runJob: RunJobFn): void {
  worker = createGitHubWorker({ probot: testProbot(memoryLogger()), queue, dataDir: dir, log: memoryLogger(), runJob, pollMs: 20, progressIntervalMs: 0 });
  void worker.start();
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
  it('runs the engine with the base config and a token-bearing clone URL, then completes the check run and edits the sticky comment', async () => {
    const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload(), checkRunId: 555 });
    const result = fakeResult('regression', HEAD);
    const engine: EngineCall[] = [];
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

    startWorker(async (request, options) => {
      engine.push({ request, options });
      options.onProgress?.({ phase: 'measure', message: 'pair 3 of 10 done', step: 3, total: 10 });
      return result;
    });
    await until(() => queue.get(job.id)!.state === 'done', 'the job to finish');

    const [{ request, options }] = engine;
    expect(request).toMatchObject({ kind: 'compare', repo: 'https://github.com/Codertocat/Hello-World.git', head: { sha: HEAD }, pr: 2 });
    // The PR's own words reach the engine as bump hints (checked there against the lockfile).
    expect(request.prText).toEqual({ title: 'Bump qs from 6.5.1 to 6.5.3', body: 'Bumps [qs](https://github.com/ljharb/qs) from 6.5.1 to 6.5.3.' });
    expect(options.authCloneUrl).toBe(`https://x-access-token:${INSTALLATION_TOKEN}@github.com/Codertocat/Hello-World.git`);
    expect(options.childEnv).toEqual({});
    expect(options.config!.scenarios[0].path).toBe('/');
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
    expect(edit.body.body).toBe(`<!-- bumpbench:sticky -->\n${renderMarkdown(shown, { maxChars: 60_000 })}`);
    expect(nonTokenCalls(calls).some((c) => c.method === 'POST')).toBe(false); // edited, not a second comment
    expect(JSON.stringify(calls.map((c) => c.body))).not.toContain(INSTALLATION_TOKEN);
  });

  it('a regression under `gate: neutral` completes neutral; the first result creates the sticky comment', async () => {
    const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload({ config: `${GOOD_CONFIG}gate: neutral\n`, cloneUrl: '/srv/repos/hello' }), checkRunId: 600 });
    const engine: EngineCall[] = [];
    scope.patch(`${REPO}/check-runs/600`).times(10).reply(200, { id: 600 });
    scope.get(`${REPO}/issues/2/comments`).query(true).reply(200, []);
    scope.post(`${REPO}/issues/2/comments`).reply(201, { id: 88 });
    startWorker(async (request, options) => {
      engine.push({ request, options });
      return fakeResult('regression', HEAD);
    });
    await until(() => queue.get(job.id)!.state === 'done', 'the job to finish');
    expect(engine[0].request.repo).toBe('/srv/repos/hello');
    expect(engine[0].options.authCloneUrl).toBeUndefined();
    expect(checkPatches(600).at(-1)).toMatchObject({ conclusion: 'neutral' });
    const post = nonTokenCalls(calls).find((c) => c.method === 'POST' && c.path === `${REPO}/issues/2/comments`)!;
    expect(post.body.body.startsWith('<!-- bumpbench:sticky -->')).toBe(true);
  });

  it('an engine failure fails the check with the message, redacted', async () => {
    const { job } = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD, payload: githubPayload(), checkRunId: 700 });
    scope.patch(`${REPO}/check-runs/700`).times(10).reply(200, { id: 700 });
    startWorker(async (_request, options) => {
      throw new Error(`cannot fetch: fatal: unable to access '${options.authCloneUrl}': 502`);
    });
    await until(() => queue.get(job.id)!.state === 'failed', 'the job to fail');
    const last = checkPatches(700).at(-1);
    expect(last).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'bumpbench could not finish' } });
    expect(last.output.summary).toContain("unable to access 'https://x-access-token:***@github.com/Codertocat/Hello-World.git': 502");
    expect(JSON.stringify(calls.map((c) => c.body))).not.toContain(INSTALLATION_TOKEN);
    expect(queue.get(job.id)!.error).not.toContain(INSTALLATION_TOKEN);
  });
});
