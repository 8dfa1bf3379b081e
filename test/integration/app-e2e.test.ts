// The App end to end: `bumpbench serve` as a child process, GHE_HOST pointing at a local HTTP server that
// plays the GitHub API (recording every call) and serves the repo over git's HTTP protocol behind the token
// the App mints for it, signed webhooks, and the real engine measuring a real regression. Also: killing
// serve mid-job and starting it again reruns the job and reports once; a second run edits the same comment;
// a bad signature is refused; the token is minted for the one repository with contents: read and never
// appears on a command line; no secret leaks.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bench/ports.ts';
import { commitOnBranch, createRepo, git, tempDir } from '../helpers/git-repo.ts';
import { serveGitOverHttp, type GitHttpServer } from '../helpers/git-http.ts';
import { leftovers } from '../helpers/app-harness.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'bumpbench.js');
const OWNER = 'Codertocat';
const NAME = 'Hello-World';
const API = `/api/v3/repos/${OWNER}/${NAME}`;
/** The token minted for the job's fetch (one repository, contents: read). */
const TOKEN = `ghs_${randomUUID().replace(/-/g, '')}E2E`;
/** The installation-wide token Probot uses for check runs and comments. */
const APP_TOKEN = `ghs_${randomUUID().replace(/-/g, '')}APP`;
const WEBHOOK_SECRET = `whsec-${randomUUID()}`;
const { privateKey: PRIVATE_KEY } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});

// ---- the repo under test: head makes every request burn ~3 ms of CPU ----

const serverJs = (spinMs: number) => `
const http = require('node:http');
const fs = require('node:fs');
// What the App let through to code from the PR: written into the worktree (the only place the sandbox
// lets it write), collected by the test while the job runs, and checked for secrets.
fs.writeFileSync('env-dump-' + process.pid + '.json', JSON.stringify(process.env));
http.createServer((req, res) => {
  const end = process.hrtime.bigint() + BigInt(${spinMs} * 1e6);
  while (process.hrtime.bigint() < end);
  res.end('ok');
}).listen(Number(process.env.PORT), process.env.HOST);
`;
const CONFIG = `install: "true"
start: node server.cjs
ready: /
pinCpus: false
repeats: { min: 6, max: 8 }
hints: false
scenarios:
  - name: home
    path: /
    connections: 4
    duration: 1s
    warmup: 200ms
`;
const repoDir = createRepo({ 'server.cjs': serverJs(0), '.github/bumpbench.yml': CONFIG });
const baseSha = git(repoDir, 'rev-parse', 'main');
const headSha = commitOnBranch(repoDir, 'bump-lib', { 'server.cjs': serverJs(3) }, 'Bump lib from 1.0.0 to 1.1.0');
const dataDir = tempDir('bumpbench-e2e-data-');

// The servers' environment dumps, read from the job's worktrees while they exist.
const dumps = new Map<string, string>();
function collectDumps(): void {
  const work = path.join(dataDir, 'work');
  for (const job of existsSync(work) ? readdirSync(work) : []) {
    for (const side of ['base', 'head']) {
      const dir = path.join(work, job, side);
      try {
        for (const f of readdirSync(dir).filter((n) => n.startsWith('env-dump-'))) dumps.set(`${job}/${side}/${f}`, readFileSync(path.join(dir, f), 'utf8'));
      } catch {
        /* not there (yet, or any more) */
      }
    }
  }
}
const dumpCollector = setInterval(collectDumps, 100);
const cwd = tempDir('bumpbench-e2e-cwd-'); // no .env, no package.json: only the environment we pass counts

// ---- a fake GitHub API that records every call ----

interface Call {
  method: string;
  path: string;
  body: any;
}
const calls: Call[] = [];
const comments: { id: number; body: string; user: { login: string; type: string } }[] = [];
let nextId = 1000;
const checkRunIds: number[] = [];

function pullRequest() {
  const repo = { full_name: `${OWNER}/${NAME}`, clone_url: api.cloneUrl, html_url: `https://ghe.example/${OWNER}/${NAME}`, name: NAME, owner: { login: OWNER } };
  return {
    number: 2,
    state: 'open',
    user: { login: 'contributor', type: 'User' },
    labels: [{ name: 'benchmark' }],
    head: { ref: 'bump-lib', sha: headSha, repo },
    base: { ref: 'main', sha: baseSha, repo },
  };
}

function handleApi(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url!, 'http://x');
  const route = `${req.method} ${decodeURIComponent(url.pathname)}`;
  calls.push({ method: req.method!, path: decodeURIComponent(url.pathname), body: body ? JSON.parse(body) : undefined });
  const json = (status: number, data: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
  };
  if (route === 'POST /api/v3/app/installations/1/access_tokens') {
    const scoped = body ? JSON.parse(body).repositories !== undefined : false;
    return json(201, { token: scoped ? TOKEN : APP_TOKEN, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {} });
  }
  if (route === 'GET /api/v3/app') return json(200, { id: 1, slug: 'bumpbench-e2e' });
  if (route === `GET ${API}/contents/.github/bumpbench.yml` && url.searchParams.get('ref') === baseSha) {
    return json(200, { type: 'file', encoding: 'base64', content: Buffer.from(CONFIG).toString('base64') });
  }
  if (route === `GET ${API}/collaborators/maintainer/permission`) return json(200, { permission: 'write', role_name: 'write' });
  if (route === `GET ${API}/pulls/2`) return json(200, pullRequest());
  if (route === `POST ${API}/check-runs`) {
    checkRunIds.push(nextId);
    return json(201, { id: nextId++ });
  }
  if (req.method === 'PATCH' && url.pathname.startsWith(`${API}/check-runs/`)) return json(200, {});
  if (route === `GET ${API}/issues/2/comments`) return json(200, comments);
  if (route === `POST ${API}/issues/2/comments`) {
    const comment = { id: nextId++, body: JSON.parse(body).body, user: { login: 'bumpbench-e2e[bot]', type: 'Bot' } };
    comments.push(comment);
    return json(201, comment);
  }
  const edit = /^PATCH \/api\/v3\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(route);
  if (edit) {
    const comment = comments.find((c) => c.id === Number(edit[1]));
    if (!comment) return json(404, { message: 'Not Found' });
    comment.body = JSON.parse(body).body;
    return json(200, comment);
  }
  json(404, { message: `fake API: no route for ${route}` });
}

// ---- the App process ----

interface ServeProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
}

let api: GitHttpServer;
let apiPort: number;
const serves: ServeProcess[] = [];
const logs: string[] = [];

async function startServe(): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      APP_ID: '1',
      PRIVATE_KEY,
      WEBHOOK_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: `127.0.0.1:${apiPort}`,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const serve = { child, port, output: () => out };
  serves.push(serve);
  child.once('exit', () => logs.push(out));
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${out}`);
    return fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.ok, () => false);
  }, 'serve to answer /ping', 60_000);
  return serve;
}

async function stopServe(serve: ServeProcess, signal: NodeJS.Signals): Promise<void> {
  if (serve.child.exitCode !== null || serve.child.signalCode !== null) return;
  const exited = new Promise((resolve) => serve.child.once('exit', resolve));
  serve.child.kill(signal);
  await exited;
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function sign(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function sendWebhook(serve: ServeProcess, event: string, payload: unknown, secret?: string): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(`http://127.0.0.1:${serve.port}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sign(body, secret) },
    body,
  });
  await res.text();
  return res.status;
}

const repository = { id: 1, name: NAME, full_name: `${OWNER}/${NAME}`, owner: { login: OWNER, type: 'User' }, private: false };
const installation = { id: 1 };

const checkCreates = () => calls.filter((c) => c.method === 'POST' && c.path === `${API}/check-runs`);
const checkPatches = () => calls.filter((c) => c.method === 'PATCH' && c.path.startsWith(`${API}/check-runs/`));
const commentWrites = () => calls.filter((c) => c.path.includes('/comments') && c.method !== 'GET');
const completedFor = (id: number) => checkPatches().find((c) => c.path.endsWith(`/${id}`) && c.body.status === 'completed');

beforeAll(async () => {
  // One loopback server is GitHub: the API under /api/v3, the repo under /Codertocat/Hello-World.git.
  api = await serveGitOverHttp({ repoDir, owner: OWNER, name: NAME, token: TOKEN, extra: handleApi });
  apiPort = Number(new URL(api.origin).port);
});

afterAll(async () => {
  clearInterval(dumpCollector);
  for (const serve of serves) await stopServe(serve, 'SIGKILL');
  // A serve killed mid-job leaves its benchmark servers behind: nothing may outlive the suite.
  for (const pid of serverPidsUnder(dataDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await api.close();
});

describe('bumpbench serve, end to end', () => {
  it('refuses a webhook with a bad signature', async () => {
    const serve = await startServe();
    const before = calls.length;
    const payload = { action: 'labeled', number: 2, pull_request: pullRequest(), label: { name: 'benchmark' }, repository, installation, sender: { login: 'maintainer', type: 'User' } };
    const status = await sendWebhook(serve, 'pull_request', payload, 'not-the-secret');
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 500));
    expect(calls.length).toBe(before);
    await stopServe(serve, 'SIGTERM');
    expect(serve.child.exitCode).toBe(0);
  }, 90_000);

  it('label → queued check run → killed mid-job → restarted → the same check run completes as a failure, one comment', async () => {
    const first = await startServe();
    const payload = { action: 'labeled', number: 2, pull_request: pullRequest(), label: { name: 'benchmark' }, repository, installation, sender: { login: 'maintainer', type: 'User' } };
    expect(await sendWebhook(first, 'pull_request', payload)).toBe(200);
    await until(() => checkCreates().length === 1, 'the check run', 30_000);
    const [created] = checkCreates();
    expect(created.body).toMatchObject({ name: 'bumpbench', head_sha: headSha, status: 'queued' });
    const [checkId] = checkRunIds;
    // Wait until it measures, then kill the App without warning.
    await until(() => checkPatches().some((c) => /^Running: measure/.test(c.body.output?.title ?? '')), 'measuring progress on the check run', 120_000);
    expect(checkPatches().some((c) => c.body.status === 'in_progress')).toBe(true);
    await stopServe(first, 'SIGKILL');
    expect(completedFor(checkId)).toBeUndefined();

    const second = await startServe(); // same data dir: the job is rerun
    await until(() => completedFor(checkId) !== undefined, 'the rerun to complete the check run', 240_000);
    expect(second.output()).toContain('job left running by a stopped worker: queued again');
    const done = completedFor(checkId)!;
    expect(done.body.conclusion).toBe('failure');
    expect(done.body.output.title).toMatch(/regression/);
    expect(done.body.output.summary).toContain('## bumpbench: Performance regression');
    expect(done.body.output.summary.length).toBeLessThan(65_535);
    // Reported once: no second check run, one comment.
    expect(checkCreates()).toHaveLength(1);
    expect(checkPatches().every((c) => c.path.endsWith(`/${checkId}`))).toBe(true);
    await until(() => comments.length === 1, 'the sticky comment', 30_000);
    expect(comments[0].body.startsWith('<!-- bumpbench:sticky -->')).toBe(true);
    expect(comments[0].body).toContain('Performance regression');
    expect(comments[0].body).toContain(headSha.slice(0, 7));
    // What the killed process left (its job dir, the worktrees in it) was removed by the next one.
    expect(second.output()).toContain('removed job dirs a stopped process left behind');
    expect(leftovers(dataDir)).toEqual({ jobDirs: [], worktrees: [] });
  }, 400_000);

  it('a second run (`/bumpbench bench`) reports on a new check run and edits the same comment', async () => {
    const serve = serves.at(-1)!;
    const commentId = comments[0].id;
    const firstBody = comments[0].body;
    const payload = {
      action: 'created',
      issue: { number: 2, pull_request: { url: `http://127.0.0.1:${apiPort}${API}/pulls/2` } },
      comment: { id: 5, body: '/bumpbench bench', user: { login: 'maintainer', type: 'User' } },
      repository,
      installation,
      sender: { login: 'maintainer', type: 'User' },
    };
    expect(await sendWebhook(serve, 'issue_comment', payload)).toBe(200);
    await until(() => checkCreates().length === 2, 'the second check run', 30_000);
    const secondId = checkRunIds[1];
    await until(() => completedFor(secondId) !== undefined, 'the second run to complete', 240_000);
    expect(completedFor(secondId)!.body.conclusion).toBe('failure');
    await until(() => comments[0].body !== firstBody, 'the comment to be edited', 30_000);
    expect(comments).toHaveLength(1);
    expect(comments[0].id).toBe(commentId);
    const writes = commentWrites();
    expect(writes.filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(writes.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/comments/${commentId}`))).toHaveLength(1);
  }, 300_000);

  it('the fetch token was minted for this repository with contents: read, sent only as git auth, never on a command line', async () => {
    const mints = calls.filter((c) => c.path.endsWith('/access_tokens') && c.body?.repositories);
    expect(mints.length).toBeGreaterThanOrEqual(2); // one per run
    for (const mint of mints) expect(mint.body).toEqual({ repositories: [NAME], permissions: { contents: 'read' } });
    expect(api.passwords.length).toBeGreaterThan(0);
    expect(api.passwords.every((p) => p === TOKEN)).toBe(true);
    expect(api.tokenInArgv).toEqual([]);
    const mirrors = path.join(dataDir, 'cache', 'repos');
    for (const mirror of readdirSync(mirrors)) expect(readFileSync(path.join(mirrors, mirror, 'config'), 'utf8')).not.toContain(TOKEN);
  });

  it('no secret reached the benchmarked servers, the API calls or the logs', async () => {
    for (const serve of serves) await stopServe(serve, 'SIGTERM');
    collectDumps();
    expect(dumps.size).toBeGreaterThan(4);
    const everything = [...dumps.values(), JSON.stringify(calls.filter((c) => !c.path.endsWith('/access_tokens'))), ...logs].join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(APP_TOKEN);
    expect(everything).not.toContain(WEBHOOK_SECRET);
    expect(everything).not.toContain(PRIVATE_KEY.split('\n')[5]);
    for (const dump of dumps.values()) {
      const env = JSON.parse(dump) as Record<string, string>;
      expect(Object.keys(env)).not.toContain('PRIVATE_KEY');
      expect(Object.keys(env)).not.toContain('WEBHOOK_SECRET');
      expect(Object.keys(env)).not.toContain('APP_ID');
    }
  }, 60_000);
});
