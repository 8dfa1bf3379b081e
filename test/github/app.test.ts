// The webhook handlers against Probot + nock, with real payloads from @octokit/webhooks-examples and a real
// SQLite queue. Each trigger, and each refusal, is checked by what a user would see: check runs, replies,
// and the jobs queued (or not).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/github/app.ts';
import { SqliteJobQueue } from '../../src/jobs/sqlite-queue.ts';
import {
  API,
  configContent,
  example,
  github,
  GOOD_CONFIG,
  memoryLogger,
  nonTokenCalls,
  testProbot,
  type Call,
  type LogLine,
} from './helpers.ts';

const REPO = '/repos/Codertocat/Hello-World';
const BASE_SHA = 'a'.repeat(40);
const HEAD_SHA = 'b'.repeat(40);
const OLD_SHA = 'c'.repeat(40);

let dir: string;
let queue: SqliteJobQueue;
let probot: Probot;
let lines: LogLine[];
let scope: nock.Scope;
let calls: Call[];
let wakes: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bumpbench-app-'));
  queue = SqliteJobQueue.open(dir);
  const log = memoryLogger();
  lines = log.lines;
  probot = testProbot(log);
  wakes = 0;
  await probot.load(createApp({ queue, appSlug: 'bumpbench', onEnqueued: () => void (wakes += 1) }));
  ({ scope, calls } = github());
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
  nock.enableNetConnect();
  queue.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- payloads ----

function prPayload(action: string, opts: { author?: string; fork?: boolean; labels?: string[]; sha?: string; updatedAt?: string } = {}) {
  const p = example('pull_request', action === 'synchronize' ? 'synchronize' : action);
  const pr = p.pull_request;
  pr.state = 'open';
  if (opts.updatedAt) pr.updated_at = opts.updatedAt;
  pr.user.login = opts.author ?? 'dependabot[bot]';
  pr.user.type = pr.user.login.endsWith('[bot]') ? 'Bot' : 'User';
  pr.head.sha = opts.sha ?? HEAD_SHA;
  pr.base.sha = BASE_SHA;
  pr.labels = (opts.labels ?? []).map((name, i) => ({ id: i, name }));
  if (opts.fork) pr.head.repo = { ...pr.head.repo, full_name: 'stranger/Hello-World' };
  p.sender = { ...p.sender, login: pr.user.login, type: pr.user.type };
  return p;
}

function labeledPayload(label: string, sender: { login: string; type?: string }, opts: { fork?: boolean } = {}) {
  const p = prPayload('labeled', { author: 'contributor', fork: opts.fork });
  p.label = { ...p.label, name: label };
  p.sender = { ...p.sender, login: sender.login, type: sender.type ?? 'User' };
  return p;
}

function commentPayload(body: string, login = 'maintainer', type = 'User', createdAt?: string) {
  const p = example('issue_comment', 'created');
  p.issue.number = 2;
  if (createdAt) p.comment.created_at = createdAt;
  p.issue.pull_request = { url: `${API}${REPO}/pulls/2` };
  p.comment.body = body;
  p.sender = { ...p.sender, login, type };
  p.comment.user = { ...p.comment.user, login, type };
  return p;
}

async function receive(name: string, payload: unknown, id = `delivery-${Math.random()}`): Promise<void> {
  await probot.receive({ id, name: name as 'pull_request', payload: payload as never });
}

// ---- API mocks ----

function mockConfig(yaml: string | null) {
  const match = (uri: string) => uri.startsWith(`${REPO}/contents/`) && uri.includes('bumpbench.yml') && uri.includes(`ref=${BASE_SHA}`);
  if (yaml === null) scope.get(match).reply(404, { message: 'Not Found' });
  else scope.get(match).reply(200, configContent(yaml));
}

function mockFiles(files: string[][]) {
  files.forEach((page, i) => {
    const next: Record<string, string> = i + 1 < files.length ? { link: `<${API}${REPO}/pulls/2/files?per_page=100&page=${i + 2}>; rel="next"` } : {};
    scope
      .get(`${REPO}/pulls/2/files`)
      .query(i === 0 ? { per_page: '100' } : { per_page: '100', page: String(i + 1) })
      .reply(200, page.map((filename) => ({ filename, status: 'modified' })), next);
  });
}

function mockPermission(login: string, permission: string, role = permission) {
  scope.get(`${REPO}/collaborators/${encodeURIComponent(login)}/permission`).reply(200, { permission, role_name: role, user: { login } });
}

function mockCheckCreate(id = 5001) {
  scope.post(`${REPO}/check-runs`).reply(201, (_uri: string, body: any) => ({ id, head_sha: body.head_sha, name: body.name }));
}

function mockReply() {
  scope.post(`${REPO}/issues/2/comments`).reply(201, { id: 900 });
}

function mockPullsGet(opts: { fork?: boolean; state?: string; sha?: string; date?: string } = {}) {
  const pr = prPayload('opened', { author: 'contributor', fork: opts.fork, sha: opts.sha }).pull_request;
  pr.state = opts.state ?? 'open';
  scope.get(`${REPO}/pulls/2`).reply(200, pr, opts.date ? { date: new Date(opts.date).toUTCString() } : {});
}

const created = () => nonTokenCalls(calls).filter((c) => c.method === 'POST' && c.path === `${REPO}/check-runs`).map((c) => c.body);
const replies = () => nonTokenCalls(calls).filter((c) => c.method === 'POST' && c.path.endsWith('/comments')).map((c) => c.body.body as string);
const said = (pattern: RegExp) => lines.some((l) => pattern.test(l.msg));

// ---- tests ----

describe('automatic trigger (pull_request opened/synchronize/reopened)', () => {
  it('a Dependabot PR that changes a lockfile (found on page 2 of the files) queues one compare and a queued check run', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['README.md', 'src/a.js'], ['packages/api/package-lock.json']]);
    mockCheckCreate(5001);
    const payload = prPayload('opened');
    payload.pull_request.title = 'Bump qs from 6.5.1 to 6.5.3 in /packages/api';
    await receive('pull_request', payload);

    expect(scope.isDone()).toBe(true);
    const [check] = created();
    expect(check).toMatchObject({ name: 'bumpbench', head_sha: HEAD_SHA, status: 'queued' });
    const [job] = queue.pending();
    expect(job).toMatchObject({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD_SHA, kind: 'compare', checkRunId: 5001 });
    expect(check.external_id).toBe(String(job.id));
    expect(job.payload.github).toMatchObject({
      installationId: 1,
      base: { ref: 'master', sha: BASE_SHA },
      head: { sha: HEAD_SHA },
      cloneUrl: 'https://github.com/Codertocat/Hello-World.git',
      configText: GOOD_CONFIG,
      title: 'Bump qs from 6.5.1 to 6.5.3 in /packages/api',
    });
    expect(wakes).toBe(1);
  });

  it('a duplicate delivery collapses into the queued job: no second job, no second check run', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['yarn.lock']]);
    mockCheckCreate();
    await receive('pull_request', prPayload('opened'));
    mockConfig(GOOD_CONFIG);
    mockFiles([['yarn.lock']]);
    await receive('pull_request', prPayload('reopened'));
    expect(queue.pending()).toHaveLength(1);
    expect(created()).toHaveLength(1);
    expect(said(/collapsed/)).toBe(true);
  });

  it('Renovate counts as a dependency bot too', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['poetry.lock']]);
    mockCheckCreate();
    await receive('pull_request', prPayload('opened', { author: 'renovate[bot]' }));
    expect(queue.pending()).toHaveLength(1);
  });

  it('a person\'s PR does not run under the default `auto: bots`, but does under `auto: all`', async () => {
    mockConfig(GOOD_CONFIG);
    await receive('pull_request', prPayload('opened', { author: 'Codertocat' }));
    expect(queue.pending()).toHaveLength(0);
    expect(said(/author is not Dependabot or Renovate/)).toBe(true);

    mockConfig(`${GOOD_CONFIG}triggers:\n  auto: all\n`);
    mockFiles([['requirements.txt']]);
    mockCheckCreate();
    await receive('pull_request', prPayload('opened', { author: 'Codertocat' }));
    expect(queue.pending()).toHaveLength(1);
  });

  it('`auto: off` and PRs without a lockfile change do not run, and the log says why', async () => {
    mockConfig(`${GOOD_CONFIG}triggers:\n  auto: off\n`);
    await receive('pull_request', prPayload('opened'));
    expect(said(/triggers.auto is off/)).toBe(true);

    mockConfig(GOOD_CONFIG);
    mockFiles([['src/index.js', 'package.json']]);
    await receive('pull_request', prPayload('opened'));
    expect(said(/changes no lockfile/)).toBe(true);
    expect(queue.pending()).toHaveLength(0);
    expect(created()).toHaveLength(0);
    expect(scope.isDone()).toBe(true);
  });

  it('a PR carrying the trigger label runs on every push even without a lockfile change', async () => {
    mockConfig(`${GOOD_CONFIG}triggers:\n  auto: off\n  label: perf\n`);
    mockCheckCreate();
    await receive('pull_request', prPayload('synchronize', { author: 'Codertocat', labels: ['perf'] }));
    expect(queue.pending()).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
  });

  it('a new push cancels the older SHA\'s jobs and closes their check runs as cancelled', async () => {
    const old = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: OLD_SHA, payload: { kind: 'compare', options: {} }, checkRunId: 4000 }).job;
    const running = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: OLD_SHA, payload: { kind: 'bisect', options: {} }, checkRunId: 4001 }).job;
    queue.claim('w'); // `old` is now running: its worker reports it, the handler must not
    scope.patch(`${REPO}/check-runs/4001`).reply(200, { id: 4001 });
    mockConfig(GOOD_CONFIG);
    mockFiles([['package-lock.json']]);
    mockCheckCreate(4002);
    await receive('pull_request', prPayload('synchronize'));

    expect(queue.get(old.id)).toMatchObject({ state: 'cancelled', cancelReason: 'superseded by a newer push (bbbbbbb)' });
    expect(queue.get(running.id)!.state).toBe('cancelled');
    const patches = nonTokenCalls(calls).filter((c) => c.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0].path).toBe(`${REPO}/check-runs/4001`);
    expect(patches[0].body).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(queue.pending().map((j) => j.sha)).toEqual([HEAD_SHA]);
  });
});

describe('dev dependencies only (triggers.skipDevOnly)', () => {
  // A project with express to run and jest to test, as package.json and package-lock.json (v3) write them.
  const manifest = (jest: string, express = '^4.18.0') =>
    JSON.stringify({ name: 'app', dependencies: { express }, devDependencies: { jest: `^${jest}` } }, null, 2);
  const lockfile = (jest: string, express = '4.18.2') =>
    JSON.stringify({
      name: 'app', lockfileVersion: 3,
      packages: {
        '': { name: 'app', dependencies: { express: '^4.18.0' }, devDependencies: { jest: `^${jest}` } },
        'node_modules/express': { version: express, resolved: `https://registry.npmjs.org/express/-/express-${express}.tgz` },
        'node_modules/jest': { version: jest, resolved: `https://registry.npmjs.org/jest/-/jest-${jest}.tgz`, dev: true },
        'node_modules/pretty-format': { version: jest, dev: true },
      },
    }, null, 2);

  /** The contents API, raw, at one commit. */
  function mockRaw(path: string, sha: string, text: string) {
    scope.get((uri) => uri.startsWith(`${REPO}/contents/${path}?`) && uri.includes(`ref=${sha}`)).reply(200, text, { 'content-type': 'application/vnd.github.raw' });
  }

  function bumpPayload(title = 'Bump jest from 29.6.0 to 29.7.0') {
    const payload = prPayload('opened');
    payload.pull_request.title = title;
    return payload;
  }

  it('a Dependabot bump of a dev dependency gets a neutral check saying why, and nothing is queued', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['package.json', 'package-lock.json']]);
    mockRaw('package-lock.json', BASE_SHA, lockfile('29.6.0'));
    mockRaw('package-lock.json', HEAD_SHA, lockfile('29.7.0'));
    mockRaw('package.json', BASE_SHA, manifest('29.6.0'));
    mockRaw('package.json', HEAD_SHA, manifest('29.7.0'));
    mockCheckCreate(5200);
    await receive('pull_request', bumpPayload());

    expect(scope.isDone()).toBe(true);
    const [check] = created();
    expect(check).toMatchObject({ name: 'bumpbench', head_sha: HEAD_SHA, status: 'completed', conclusion: 'neutral' });
    expect(check.output.title).toBe('Skipped: dev dependencies only');
    expect(check.output.summary).toContain('This pull request changes 2 dev dependencies (jest 29.6.0 → 29.7.0) and nothing the server runs, so bumpbench did not benchmark it');
    expect(check.output.summary).toContain('comment `/bumpbench bench` or add the `benchmark` label');
    expect(check.output.summary).toContain('| jest | 29.6.0 | 29.7.0 | dev · direct | npm |');
    expect(check.output.summary).toContain('| pretty-format | 29.6.0 | 29.7.0 | dev · transitive | npm |');
    expect(queue.pending()).toHaveLength(0);
    expect(wakes).toBe(0);
    expect(said(/dev dependencies only \(triggers.skipDevOnly\): neutral check, nothing queued/)).toBe(true);
  });

  it('a bump that also moves a runtime dependency runs as usual', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['package.json', 'package-lock.json']]);
    mockRaw('package-lock.json', BASE_SHA, lockfile('29.6.0'));
    mockRaw('package-lock.json', HEAD_SHA, lockfile('29.7.0', '4.19.2'));
    mockRaw('package.json', BASE_SHA, manifest('29.6.0'));
    mockRaw('package.json', HEAD_SHA, manifest('29.7.0'));
    mockCheckCreate(5201);
    await receive('pull_request', bumpPayload());
    expect(created()[0]).toMatchObject({ status: 'queued' });
    expect(queue.pending()).toHaveLength(1);
    expect(said(/not a dev-only bump/)).toBe(true);
  });

  it('a package.json change outside devDependencies is not dev only, whatever the lockfile says', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['package.json', 'package-lock.json']]);
    mockRaw('package-lock.json', BASE_SHA, lockfile('29.6.0'));
    mockRaw('package-lock.json', HEAD_SHA, lockfile('29.7.0'));
    mockRaw('package.json', BASE_SHA, manifest('29.6.0'));
    mockRaw('package.json', HEAD_SHA, manifest('29.7.0', '^4.19.0'));
    mockCheckCreate(5202);
    await receive('pull_request', bumpPayload());
    expect(queue.pending()).toHaveLength(1);
    expect(lines.some((l) => l.msg === 'not a dev-only bump' && l.bindings.why === 'package.json changed outside its dev dependencies')).toBe(true);
  });

  it('with `skipDevOnly: false`, or by the label, a dev-only bump runs (and nothing is read for it)', async () => {
    mockConfig(`${GOOD_CONFIG}triggers:\n  skipDevOnly: false\n`);
    mockFiles([['package.json', 'package-lock.json']]);
    mockCheckCreate(5203);
    await receive('pull_request', bumpPayload());
    expect(queue.pending()).toHaveLength(1);

    queue.cancel({ repo: 'Codertocat/Hello-World', pr: 2 }, 'test');
    mockConfig(GOOD_CONFIG);
    mockCheckCreate(5204);
    await receive('pull_request', prPayload('synchronize', { labels: ['benchmark'] }));
    expect(queue.pending()).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
  });

  it('when the lockfiles cannot be read, it runs as usual and the log says why', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['package-lock.json']]);
    scope.get((uri) => uri.startsWith(`${REPO}/contents/package-lock.json?`)).times(2).reply(500, { message: 'Server Error' });
    scope.get((uri) => uri.startsWith(`${REPO}/contents/package.json?`)).times(1).reply(500, { message: 'Server Error' });
    mockCheckCreate(5205);
    await receive('pull_request', bumpPayload());
    expect(queue.pending()).toHaveLength(1);
    expect(said(/could not tell whether the bump changes dev dependencies only: running it/)).toBe(true);
  });
});

describe('clone URL', () => {
  it('a webhook whose clone URL is on another host queues nothing and runs nothing; the check says why', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['package-lock.json']]);
    mockCheckCreate(5100);
    const payload = prPayload('opened');
    payload.pull_request.base.repo.clone_url = 'https://attacker.example/Codertocat/Hello-World.git';
    await receive('pull_request', payload);
    expect(queue.pending()).toHaveLength(0);
    expect(wakes).toBe(0);
    const [check] = created();
    expect(check).toMatchObject({ name: 'bumpbench', status: 'completed', conclusion: 'failure' });
    expect(check.output.title).toMatch(/not on the configured GitHub host/);
    expect(check.output.summary).toMatch(/https:\/\/attacker\.example\/… is not on the configured GitHub host https:\/\/github\.com.*GHE_HOST/);
    expect(said(/clone URL refused: nothing queued, nothing runs/)).toBe(true);
    // No token was minted for it.
    expect(calls.filter((c) => c.path.includes('/access_tokens') && c.body?.repositories)).toEqual([]);
  });

  it('the configured GitHub Enterprise host is the one that counts', async () => {
    const ghe = SqliteJobQueue.open(mkdtempSync(join(tmpdir(), 'bumpbench-app-ghe-')));
    const gheProbot = testProbot(memoryLogger());
    await gheProbot.load(createApp({ queue: ghe, appSlug: 'bumpbench', gitHubOrigin: 'https://ghe.example.com' }));
    mockConfig(GOOD_CONFIG);
    mockFiles([['package-lock.json']]);
    mockCheckCreate(5101);
    await gheProbot.receive({ id: 'd-ghe', name: 'pull_request', payload: prPayload('opened') as never });
    expect(ghe.pending()).toHaveLength(0);
    expect(created()[0].output.summary).toMatch(/https:\/\/github\.com\/… is not on the configured GitHub host https:\/\/ghe\.example\.com/);
    ghe.close();
  });
});

describe('config from the base branch', () => {
  it('an invalid config gives a failing check that names each key and the fix; nothing is queued', async () => {
    mockConfig('start: node server.js\nscenarios:\n  - name: home\n    path: home\nrepeats:\n  min: 0\n');
    mockFiles([['package-lock.json']]);
    mockCheckCreate();
    await receive('pull_request', prPayload('opened'));
    const [check] = created();
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure', head_sha: HEAD_SHA });
    expect(check.output.title).toMatch(/bumpbench\.yml is not valid/);
    expect(check.output.summary).toContain('`scenarios[0].path`');
    expect(check.output.summary).toContain('must start with "/"');
    expect(check.output.summary).toContain('`repeats.min`');
    expect(queue.pending()).toHaveLength(0);
  });

  it('no config gives a neutral check with a starter .github/bumpbench.yml', async () => {
    mockConfig(null);
    mockFiles([['pnpm-lock.yaml']]);
    mockCheckCreate();
    await receive('pull_request', prPayload('opened'));
    const [check] = created();
    expect(check).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(check.output.summary).toContain('```yaml');
    expect(check.output.summary).toContain('start: node server.js');
    expect(check.output.summary).toContain('scenarios:');
    expect(queue.pending()).toHaveLength(0);
  });
});

describe('fork pull requests', () => {
  it('never run automatically, even with `auto: all`', async () => {
    await receive('pull_request', prPayload('opened', { author: 'stranger', fork: true }));
    expect(nonTokenCalls(calls)).toEqual([]);
    expect(queue.pending()).toHaveLength(0);
    expect(said(/fork: never run automatically/)).toBe(true);
  });

  it('run after a maintainer adds the trigger label', async () => {
    mockConfig(GOOD_CONFIG);
    mockPermission('maintainer', 'write', 'maintain');
    mockCheckCreate();
    await receive('pull_request', labeledPayload('benchmark', { login: 'maintainer' }, { fork: true }));
    expect(queue.pending()).toHaveLength(1);
    expect(queue.pending()[0].payload.github!.trigger).toBe('"benchmark" label');
  });

  it('do not run when the label comes from someone without write access: polite reply instead', async () => {
    mockConfig(GOOD_CONFIG);
    mockPermission('helper', 'read', 'triage');
    mockReply();
    await receive('pull_request', labeledPayload('benchmark', { login: 'helper' }, { fork: true }));
    expect(queue.pending()).toHaveLength(0);
    expect(replies()[0]).toMatch(/Thanks @helper! Only people with write, maintain or admin access/);
    expect(created()).toHaveLength(0);
  });
});

describe('label trigger', () => {
  it('the configured label runs a compare on any PR; other labels do nothing', async () => {
    mockConfig(`${GOOD_CONFIG}triggers:\n  label: perf-check\n`);
    await receive('pull_request', labeledPayload('benchmark', { login: 'maintainer' }));
    expect(queue.pending()).toHaveLength(0);

    mockConfig(`${GOOD_CONFIG}triggers:\n  label: perf-check\n`);
    mockPermission('maintainer', 'admin');
    mockCheckCreate();
    await receive('pull_request', labeledPayload('perf-check', { login: 'maintainer' }));
    expect(queue.pending()).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
  });

  it('ignores the bot\'s own events, recognising itself by its slug from the API', async () => {
    // A fresh app without a given slug: it asks GET /app once.
    const log = memoryLogger();
    const own = testProbot(log);
    await own.load(createApp({ queue }));
    scope.get('/app').reply(200, { id: 123, slug: 'bumpbench' });
    await own.receive({ id: '1', name: 'pull_request', payload: labeledPayload('benchmark', { login: 'bumpbench[bot]', type: 'Bot' }) as never });
    expect(scope.isDone()).toBe(true);
    expect(nonTokenCalls(calls).map((c) => c.path)).toEqual(['/app']);
    expect(log.lines.some((l) => /own event: ignored/.test(l.msg))).toBe(true);
  });
});

describe('slash commands', () => {
  it('`/bumpbench bench` from a writer queues a compare of the PR\'s current head', async () => {
    mockPermission('maintainer', 'write');
    mockPullsGet();
    mockConfig(GOOD_CONFIG);
    mockCheckCreate(7001);
    await receive('issue_comment', commentPayload('Looks good.\n  /BumpBench   Bench  \n/bumpbench cancel'));
    const [job] = queue.pending();
    expect(job).toMatchObject({ kind: 'compare', sha: HEAD_SHA, checkRunId: 7001 });
    expect(job.payload.github).toMatchObject({ requestedBy: 'maintainer', trigger: '`/bumpbench bench`' });
  });

  it('`/bumpbench more 4` from a writer queues a compare that extends the stored one of these commits by 4 pairs', async () => {
    mockPermission('maintainer', 'write');
    mockPullsGet();
    mockConfig(GOOD_CONFIG);
    mockCheckCreate(7002);
    await receive('issue_comment', commentPayload('/bumpbench more 4'));
    const [job] = queue.pending();
    expect(job).toMatchObject({ kind: 'compare', sha: HEAD_SHA, checkRunId: 7002, payload: { options: { resume: 'latest', pairs: 4 } } });
    expect(job.payload.github).toMatchObject({ trigger: '`/bumpbench more`' });
    // The compare's own check: the extended verdict is the gate's.
    expect(created()[0]).toMatchObject({ name: 'bumpbench', status: 'queued' });
  });

  it('`/bumpbench bisect pkg` queues a bisect of that package, on a fork PR too', async () => {
    // The fork's head was pushed (and seen) before the maintainer commented.
    await receive('pull_request', prPayload('synchronize', { fork: true, updatedAt: '2025-01-01T10:00:00Z' }));
    mockPermission('maintainer', 'admin');
    mockPullsGet({ fork: true });
    mockConfig(GOOD_CONFIG);
    mockCheckCreate();
    await receive('issue_comment', commentPayload('/bumpbench bisect left-pad', 'maintainer', 'User', '2025-01-01T10:05:00Z'));
    expect(queue.pending()[0]).toMatchObject({ kind: 'bisect', payload: { options: { package: 'left-pad' } } });
    // Its own check run: a bisect never reports on the compare's.
    expect(created()[0]).toMatchObject({ name: 'bumpbench/bisect', status: 'queued' });
  });

  it('a read-only user gets a polite reply and nothing runs', async () => {
    mockPermission('visitor', 'read');
    mockReply();
    await receive('issue_comment', commentPayload('/bumpbench bench', 'visitor'));
    expect(replies()).toHaveLength(1);
    expect(replies()[0]).toContain('@visitor');
    expect(replies()[0]).toMatch(/write, maintain or admin/);
    expect(queue.pending()).toHaveLength(0);
    expect(created()).toHaveLength(0);
    expect(scope.isDone()).toBe(true);
  });

  it('a user who is not a collaborator at all (404) is refused the same way', async () => {
    scope.get(`${REPO}/collaborators/outsider/permission`).reply(404, { message: 'Not Found' });
    mockReply();
    await receive('issue_comment', commentPayload('/bumpbench bisect', 'outsider'));
    expect(replies()[0]).toContain('@outsider');
    expect(queue.pending()).toHaveLength(0);
  });

  it('an unknown command gets a reply listing the valid ones', async () => {
    mockReply();
    await receive('issue_comment', commentPayload('/bumpbench benchmark-please'));
    const [text] = replies();
    expect(text).toContain('benchmark-please');
    for (const cmd of ['/bumpbench bench', '/bumpbench bisect [package]', '/bumpbench soak [duration]', '/bumpbench cancel', '/bumpbench help']) {
      expect(text).toContain(cmd);
    }
    expect(queue.pending()).toHaveLength(0);
  });

  it('`/bumpbench soak 2h` from a writer queues a 2-hour soak; `soak 13h` is refused with the limit', async () => {
    mockPermission('maintainer', 'write');
    mockPullsGet();
    mockConfig(GOOD_CONFIG);
    mockCheckCreate(7002);
    await receive('issue_comment', commentPayload('/bumpbench soak 2h'));
    expect(queue.pending()[0]).toMatchObject({ kind: 'soak', checkRunId: 7002, payload: { options: { soakSeconds: 7200 } } });
    expect(created()[0]).toMatchObject({ name: 'bumpbench/soak', status: 'queued' });
    mockReply();
    await receive('issue_comment', commentPayload('/bumpbench soak 13h'));
    expect(replies()[0]).toMatch(/at most 12h/);
    expect(queue.pending()).toHaveLength(1);
  });

  it('`/bumpbench help` answers with the list; comments without a command and the bot\'s own comments are ignored', async () => {
    mockReply();
    await receive('issue_comment', commentPayload('/bumpbench help'));
    expect(replies()[0]).toContain('/bumpbench bisect [package]');
    await receive('issue_comment', commentPayload('please run /bumpbench bench later'));
    await receive('issue_comment', commentPayload('/bumpbench bench', 'bumpbench[bot]', 'Bot'));
    expect(nonTokenCalls(calls)).toHaveLength(1);
    expect(said(/own comment: ignored/)).toBe(true);
  });

  it('`/bumpbench cancel` cancels the PR\'s queued job, closes its check run and says so', async () => {
    const job = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD_SHA, payload: { kind: 'compare', options: {} }, checkRunId: 4100 }).job;
    mockPermission('maintainer', 'maintain');
    scope.patch(`${REPO}/check-runs/4100`).reply(200, { id: 4100 });
    mockReply();
    await receive('issue_comment', commentPayload('/bumpbench cancel'));
    expect(queue.get(job.id)).toMatchObject({ state: 'cancelled', cancelReason: 'cancelled by @maintainer' });
    expect(replies()[0]).toMatch(/Cancelled 1 bumpbench job/);
    expect(scope.isDone()).toBe(true);
  });

  it('comments on plain issues are ignored', async () => {
    const p = commentPayload('/bumpbench bench');
    delete p.issue.pull_request;
    await receive('issue_comment', p);
    expect(nonTokenCalls(calls)).toEqual([]);
  });
});

describe('check_run rerequested', () => {
  function rerunPayload(jobId: number | null, sender = 'maintainer') {
    const p = example('check_run', 'rerequested');
    p.repository = example('pull_request', 'opened').repository;
    p.check_run.name = 'bumpbench';
    p.check_run.head_sha = HEAD_SHA;
    p.check_run.external_id = jobId === null ? '' : String(jobId);
    p.check_run.pull_requests = [{ number: 2, head: { sha: HEAD_SHA }, base: { sha: BASE_SHA } }];
    p.sender = { ...p.sender, login: sender, type: 'User' };
    return p;
  }

  it('runs the same kind of job again, with a new check run', async () => {
    const previous = queue.enqueue({ repo: 'Codertocat/Hello-World', pr: 2, sha: HEAD_SHA, payload: { kind: 'bisect', options: { package: 'qs' } }, checkRunId: 10 }).job;
    queue.claim('w');
    queue.complete(previous.id);
    mockPermission('maintainer', 'write');
    mockPullsGet();
    mockConfig(GOOD_CONFIG);
    mockCheckCreate(11);
    await receive('check_run', rerunPayload(previous.id));
    const [job] = queue.pending();
    expect(job).toMatchObject({ kind: 'bisect', checkRunId: 11, payload: { options: { package: 'qs' } } });
    expect(job.payload.github!.trigger).toBe('re-run');
  });

  it('a re-run of the soak check (no job behind it any more) runs a soak again, on a new soak check', async () => {
    mockPermission('maintainer', 'write');
    mockPullsGet();
    mockConfig(GOOD_CONFIG);
    mockCheckCreate(12);
    const payload = rerunPayload(null);
    payload.check_run.name = 'bumpbench/soak';
    await receive('check_run', payload);
    expect(queue.pending()[0]).toMatchObject({ kind: 'soak', checkRunId: 12 });
    expect(created()[0]).toMatchObject({ name: 'bumpbench/soak' });
  });

  it('a re-run of a check run that is not ours does nothing', async () => {
    const payload = rerunPayload(null);
    payload.check_run.name = 'ci/build';
    await receive('check_run', payload);
    expect(queue.pending()).toHaveLength(0);
    expect(calls).toHaveLength(0);
  });

  it('a re-run from someone without write access runs nothing', async () => {
    mockPermission('visitor', 'read');
    await receive('check_run', rerunPayload(null, 'visitor'));
    expect(queue.pending()).toHaveLength(0);
    expect(said(/re-run requested by someone without write access/)).toBe(true);
  });
});

describe('deliveries and the head a trigger binds', () => {
  it('handles a delivery once, whatever is sent again under the same X-GitHub-Delivery', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['yarn.lock']]);
    mockCheckCreate();
    await receive('pull_request', prPayload('opened'), 'delivery-1');
    const before = calls.length;
    await receive('pull_request', prPayload('opened'), 'delivery-1');
    expect(calls.length).toBe(before);
    expect(said(/delivery already handled/)).toBe(true);
    expect(queue.pending()).toHaveLength(1);
  });

  it('a delivery whose handling failed is handled when it comes again', async () => {
    scope.get((uri) => uri.includes('bumpbench.yml')).reply(500, { message: 'GitHub is having a bad day' });
    await expect(receive('pull_request', prPayload('opened'), 'delivery-2')).rejects.toThrow();
    mockConfig(GOOD_CONFIG);
    mockFiles([['yarn.lock']]);
    mockCheckCreate();
    await receive('pull_request', prPayload('opened'), 'delivery-2');
    expect(queue.pending()).toHaveLength(1);
  });

  it('an older push delivered after a newer one neither cancels the newer job nor benchmarks the stale commit', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['package-lock.json']]);
    mockCheckCreate(4100);
    await receive('pull_request', prPayload('synchronize', { sha: HEAD_SHA, updatedAt: '2025-01-01T10:00:10Z' }));
    await receive('pull_request', prPayload('synchronize', { sha: OLD_SHA, updatedAt: '2025-01-01T10:00:00Z' }));
    expect(queue.pending().map((j) => [j.sha, j.state])).toEqual([[HEAD_SHA, 'queued']]);
    expect(said(/out-of-order delivery/)).toBe(true);
    // A label added before the newer push, delivered after it: stale as well.
    const labeled = labeledPayload('benchmark', { login: 'maintainer' });
    labeled.pull_request.head.sha = OLD_SHA;
    labeled.pull_request.updated_at = '2025-01-01T10:00:05Z';
    mockConfig(GOOD_CONFIG);
    mockPermission('maintainer', 'write');
    await receive('pull_request', labeled);
    expect(queue.pending().map((j) => j.sha)).toEqual([HEAD_SHA]);
  });

  it('two heads within the same second: the API says which is the head', async () => {
    mockConfig(GOOD_CONFIG);
    mockFiles([['package-lock.json']]);
    mockCheckCreate(4200);
    await receive('pull_request', prPayload('synchronize', { sha: HEAD_SHA, updatedAt: '2025-01-01T10:00:00Z' }));
    mockPullsGet({ sha: HEAD_SHA });
    await receive('pull_request', prPayload('synchronize', { sha: OLD_SHA, updatedAt: '2025-01-01T10:00:00Z' }));
    expect(queue.pending().map((j) => j.sha)).toEqual([HEAD_SHA]);
  });

  it('a fork pushing after a maintainer\'s command does not get its new commit run under that command', async () => {
    await receive('pull_request', prPayload('synchronize', { fork: true, updatedAt: '2025-01-01T10:10:00Z' }));
    mockPermission('maintainer', 'write');
    mockPullsGet({ fork: true, date: '2025-01-01T10:10:02Z' });
    mockReply();
    // Written at 10:05, handled after the push at 10:10.
    await receive('issue_comment', commentPayload('/bumpbench bench', 'maintainer', 'User', '2025-01-01T10:05:00Z'));
    expect(queue.pending()).toHaveLength(0);
    expect(replies()[0]).toMatch(/^@maintainer nothing was run: the head of this pull request moved to `bbbbbbb` after your command\. Comment again/);
  });

  it('a fork head bumpbench never saw is not run on the first command; the next command runs it', async () => {
    mockPermission('maintainer', 'write');
    mockPullsGet({ fork: true, date: '2025-01-01T10:06:00Z' });
    mockReply();
    await receive('issue_comment', commentPayload('/bumpbench bench', 'maintainer', 'User', '2025-01-01T10:05:00Z'));
    expect(queue.pending()).toHaveLength(0);
    expect(replies()[0]).toMatch(/comes from a fork and its head is now `bbbbbbb`, which bumpbench had not seen when you commented/);

    mockPermission('maintainer', 'write');
    mockPullsGet({ fork: true, date: '2025-01-01T10:08:00Z' });
    mockConfig(GOOD_CONFIG);
    mockCheckCreate();
    await receive('issue_comment', commentPayload('/bumpbench bench', 'maintainer', 'User', '2025-01-01T10:07:00Z'));
    expect(queue.pending().map((j) => j.sha)).toEqual([HEAD_SHA]);
  });

  it('`/bumpbench soak` too short to reach a verdict is refused up front with the length it needs', async () => {
    mockPermission('maintainer', 'write');
    mockPullsGet();
    mockConfig(GOOD_CONFIG);
    mockReply();
    await receive('issue_comment', commentPayload('/bumpbench soak 30m'));
    expect(queue.pending()).toHaveLength(0);
    expect(replies()[0]).toMatch(/the soak was not started: a soak of 30m cannot reach a verdict: .* at least 1h16m\. Ask for 1h16m or more/);
  });
});
