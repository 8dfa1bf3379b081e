// `bumpbench export` and `bumpbench dashboard` as a user runs them, on a store filled by real compares; the
// dashboard on serve without an OAuth client; the PR comment's link from the App's worker.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountDashboard } from '../../src/dashboard/server.ts';
import type { Handler } from '../../src/dashboard/routes.ts';
import { createGitHubWorker } from '../../src/github/worker-setup.ts';
import { SqliteJobQueue } from '../../src/jobs/sqlite-queue.ts';
import type { JobResult } from '../../src/model.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { fakeResult } from '../jobs/helpers.ts';
import { github, GOOD_CONFIG, memoryLogger, nonTokenCalls, testProbot } from '../github/helpers.ts';
import { tempDir } from '../helpers/git-repo.ts';
import { createShopRepo, dashboardConfig, type ShopRepo } from './fixture.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/bumpbench.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

let repo: ShopRepo;
let dataDir: string;
let dbFile: string;
const results: JobResult[] = [];

beforeAll(async () => {
  repo = createShopRepo(dashboardConfig({ min: 2, max: 2, duration: '300ms' }));
  dataDir = tempDir('bumpbench-export-');
  dbFile = path.join(dataDir, 'bumpbench.db');
  for (const head of ['bump-express', 'bump-lodash']) {
    results.push(await runJob({ kind: 'compare', repo: repo.dir, base: { ref: 'main' }, head: { ref: head } }, { dataDir }));
  }
}, 120_000);

describe('bumpbench export', () => {
  it('writes a CSV row per job × scenario × metric with the measured numbers', () => {
    const run = cli('export', '--repo', repo.dir, '--format', 'csv', '--db', dbFile);
    expect(run.status, run.stderr).toBe(0);
    const [header, ...rows] = run.stdout.trim().split('\n');
    const cols = header.split(',');
    expect(cols.slice(0, 4)).toEqual(['job', 'finished_at', 'kind', 'job_verdict']);
    const metrics = results.map((r) => Object.keys(r.scenarios[0].metrics).length);
    expect(rows).toHaveLength(metrics[0] + metrics[1]);
    const first = Object.fromEntries(rows[0].split(',').map((v, i) => [cols[i], v]));
    const m = results[0].scenarios[0].metrics.throughput!;
    expect(first).toMatchObject({ job: '1', kind: 'compare', job_verdict: results[0].verdict, scenario: 'work', metric: 'throughput', changes: 'express 4.18.0→4.19.0' });
    expect(Number(first.change_pct)).toBeCloseTo((m.ratio - 1) * 100, 1);
    expect(Number(first.ci_low_pct)).toBeCloseTo((m.ci[0] - 1) * 100, 1);
  });

  it('writes JSON of every job, filtered by package, to a file', () => {
    const out = path.join(dataDir, 'lodash.json');
    const run = cli('export', '--repo', `${repo.dir}/`, '--format', 'json', '--package', 'lodash', '--db', dbFile, '--out', out);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('1 job(s)');
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.repo).toBe(repo.dir);
    expect(file.jobs).toHaveLength(1);
    expect(file.jobs[0].result.head.sha).toBe(results[1].head.sha);
    expect(file.jobs[0].changes).toEqual(results[1].changes);
  });

  it('says what is wrong with bad input, and answers --help', () => {
    expect(cli('export', '--help')).toMatchObject({ status: 0, stdout: expect.stringContaining('usage: bumpbench export') });
    expect(cli('export', '--repo', repo.dir, '--db', dbFile)).toMatchObject({ status: 2, stderr: expect.stringContaining('--format must be csv or json') });
    expect(cli('export', '--repo', repo.dir, '--format', 'xml', '--db', dbFile).stderr).toContain('(got "xml")');
    const unknown = cli('export', '--repo', 'acme/nothing', '--format', 'csv', '--db', dbFile);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(`no results for "acme/nothing". Repositories in ${dbFile}:\n  ${repo.dir}`);
    expect(cli('export', '--repo', repo.dir, '--format', 'csv', '--package', 'react', '--db', dbFile).stderr).toContain('Packages its jobs changed: express, lodash');
    expect(cli('export', '--repo', repo.dir, '--format', 'csv', '--db', path.join(dataDir, 'none.db')).stderr).toContain('no result store at');
  });
});

describe('bumpbench dashboard (flags)', () => {
  it('answers --help, refuses bad flags and a missing store', () => {
    expect(cli('dashboard', '--help')).toMatchObject({ status: 0, stdout: expect.stringContaining('(default 127.0.0.1)') });
    expect(cli('dashboard', '--port', 'abc', '--db', dbFile)).toMatchObject({ status: 2, stderr: expect.stringContaining('--port needs a port number') });
    expect(cli('dashboard', '--db', path.join(dataDir, 'missing.db'))).toMatchObject({ status: 2, stderr: expect.stringContaining('no result store at') });
    expect(cli('--help').stdout).toMatch(/bumpbench dashboard[\s\S]*bumpbench export/);
  });
});

describe('the dashboard on serve without an OAuth client', () => {
  it('answers 503 with what to set, and leaves other paths to the App', async () => {
    const handlers: Handler[] = [];
    mountDashboard((h) => handlers.push(h), { dataDir, env: {} });
    const responses: { status?: number; body?: string } = {};
    const res = { writeHead: (s: number) => ((responses.status = s), res), end: (b?: string) => (responses.body = b) } as never;
    expect(await handlers[0]({ url: '/dashboard/', headers: {} } as never, res)).toBe(true);
    expect(responses.status).toBe(503);
    expect(responses.body).toContain('set CLIENT_ID and CLIENT_SECRET');
    expect(await handlers[0]({ url: '/api/github/webhooks', headers: {} } as never, res)).toBe(false);
  });
});

describe("the App's comment", () => {
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("links to the job's dashboard page when BUMPBENCH_PUBLIC_URL is set", async () => {
    const dir = tempDir('bumpbench-comment-link-');
    const queue = SqliteJobQueue.open(dir);
    const { scope, calls } = github();
    const REPO = '/repos/Codertocat/Hello-World';
    const head = 'b'.repeat(40);
    scope.patch(`${REPO}/check-runs/9`).times(10).reply(200, { id: 9 });
    scope.get(`${REPO}/issues/2/comments`).query(true).reply(200, []);
    scope.post(`${REPO}/issues/2/comments`).reply(201, { id: 90 });
    queue.enqueue({
      repo: 'Codertocat/Hello-World', pr: 2, sha: head, checkRunId: 9,
      payload: {
        kind: 'compare', options: {},
        github: {
          installationId: 1, owner: 'Codertocat', repo: 'Hello-World', pr: 2, base: { ref: 'master', sha: 'a'.repeat(40) }, head: { ref: 'bump', sha: head },
          cloneUrl: 'https://github.com/Codertocat/Hello-World.git', htmlUrl: 'https://github.com/Codertocat/Hello-World', configText: GOOD_CONFIG, trigger: 'test', requestedBy: 'maintainer',
        },
      },
    });
    const worker = createGitHubWorker({
      probot: testProbot(memoryLogger()), queue, dataDir: dir, log: memoryLogger(), pollMs: 20, progressIntervalMs: 0,
      publicUrl: 'https://bench.example.com', gitHubOrigin: 'https://github.com', execute: async () => fakeResult('regression', head),
    });
    await worker.start();
    const deadline = Date.now() + 15_000;
    while (!nonTokenCalls(calls).some((c) => c.method === 'POST' && c.path === `${REPO}/issues/2/comments`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await worker.stop();
    queue.close();
    const comment = nonTokenCalls(calls).find((c) => c.method === 'POST' && c.path === `${REPO}/issues/2/comments`)!;
    expect(comment.body.body).toContain(`](https://bench.example.com/dashboard/find?repo=Codertocat%2FHello-World&kind=compare&base=${'a'.repeat(40)}&head=${head})`);
  });
});
