// Results of private repositories stay private on `bumpbench serve`. The App runs as a child process, GitHub
// is played by a local HTTP server (GHE_HOST/GHE_PROTOCOL point the OAuth web flow and the API at it), and
// the store holds a real compare filed under a private repository. Without sign-in a page sends you to sign
// in; signed in as someone GitHub says cannot read the repo you get 404; someone who can read it sees it.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bench/ports.ts';
import type { JobResult } from '../../src/model.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { dashboardJobUrl } from '../../src/report/markdown.ts';
import { ResultsStore } from '../../src/store/results-store.ts';
import { cpuAppConfig, cpuAppFiles } from '../helpers/cpu-app.ts';
import { createRepo, tempDir } from '../helpers/git-repo.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/bumpbench.js');
const CLIENT_ID = 'Iv1.dashboardtest';
const CLIENT_SECRET = `secret-${randomUUID()}`;
const { privateKey: PRIVATE_KEY } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});
const USERS: Record<string, { token: string; reads: string[] }> = {
  alice: { token: `gho_alice${randomUUID().replace(/-/g, '')}`, reads: ['acme/secret-app'] },
  bob: { token: `gho_bob${randomUUID().replace(/-/g, '')}`, reads: [] },
};

// ---- GitHub, played locally: the OAuth web flow and the two API calls the dashboard makes ----

let github: Server;
let githubPort: number;
const apiCalls: { path: string; auth: string | undefined }[] = [];
let signInAs = 'bob';

function handleGitHub(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url!, 'http://x');
  const json = (status: number, data: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
  };
  if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
    // The user approves at once; GitHub sends them back with a code and the state it was given.
    if (url.searchParams.get('client_id') !== CLIENT_ID) return json(404, { message: 'unknown client' });
    const back = new URL(url.searchParams.get('redirect_uri')!);
    back.searchParams.set('code', `code-for-${signInAs}`);
    back.searchParams.set('state', url.searchParams.get('state')!);
    res.writeHead(302, { location: back.toString() }).end();
    return;
  }
  if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
    const form = JSON.parse(body) as { client_id: string; client_secret: string; code: string };
    if (form.client_id !== CLIENT_ID || form.client_secret !== CLIENT_SECRET) return json(200, { error: 'incorrect_client_credentials' });
    const user = /^code-for-(\w+)$/.exec(form.code)?.[1];
    if (!user || !USERS[user]) return json(200, { error: 'bad_verification_code' });
    return json(200, { access_token: USERS[user].token, token_type: 'bearer', scope: '' });
  }
  const auth = req.headers.authorization;
  const user = Object.entries(USERS).find(([, u]) => auth === `Bearer ${u.token}`)?.[0];
  apiCalls.push({ path: url.pathname, auth });
  if (url.pathname === '/api/v3/user') return user ? json(200, { login: user }) : json(401, { message: 'Bad credentials' });
  const repo = /^\/api\/v3\/repos\/([^/]+\/[^/]+)$/.exec(url.pathname)?.[1];
  if (repo) return user && USERS[user].reads.includes(repo) ? json(200, { full_name: repo, private: true }) : json(404, { message: 'Not Found' });
  json(404, { message: `fake GitHub: no route for ${req.method} ${url.pathname}` });
}

// ---- a tiny browser: cookies, manual redirects ----

class Visitor {
  cookies = new Map<string, string>();
  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair.indexOf('=');
      const [name, value] = [pair.slice(0, i), pair.slice(i + 1)];
      if (/Max-Age=0/.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
  /** Follows redirects the way a browser would, returning every hop. */
  async follow(url: string): Promise<Response[]> {
    const hops: Response[] = [];
    let next: string | null = url;
    while (next && hops.length < 10) {
      const res = await this.get(next);
      hops.push(res);
      next = res.status >= 300 && res.status < 400 ? new URL(res.headers.get('location')!, next).toString() : null;
    }
    return hops;
  }
}

let serve: ChildProcess;
let serveOut = '';
let base: string;
let result: JobResult;
let privateJobId: number;
let localRepo: string;

beforeAll(async () => {
  github = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => handleGitHub(req, res, body));
  });
  await new Promise<void>((r) => github.listen(0, '127.0.0.1', () => r()));
  githubPort = (github.address() as AddressInfo).port;

  // A real compare (a small one), stored once as measured and once filed under the private repository the
  // App would have benchmarked for PR #7: what the dashboard must guard.
  const dataDir = tempDir('bumpbench-serve-dash-');
  localRepo = createRepo(cpuAppFiles(300_000, cpuAppConfig({ min: 3, max: 3, duration: '400ms' })));
  result = await runJob({ kind: 'compare', repo: localRepo, base: { ref: 'main' }, head: { ref: 'main' } }, { dataDir, keepSamples: true });
  const store = new ResultsStore(path.join(dataDir, 'bumpbench.db'));
  const runId = store.startRun({ kind: 'compare', repo: `http://127.0.0.1:${githubPort}/acme/secret-app.git`, pr: 7, baseRef: 'main', headRef: 'main' });
  privateJobId = store.saveResult({ ...result, repo: `http://127.0.0.1:${githubPort}/acme/secret-app.git` }, { runId });
  store.finishRun(runId, 'done');
  store.close();

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  serve = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--no-worker'], {
    cwd: tempDir('bumpbench-serve-dash-cwd-'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      APP_ID: '1',
      PRIVATE_KEY,
      WEBHOOK_SECRET: 'whsec-dashboard-test',
      CLIENT_ID,
      CLIENT_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: `127.0.0.1:${githubPort}`,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serve.stdout!.on('data', (d) => (serveOut += d));
  serve.stderr!.on('data', (d) => (serveOut += d));
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`${base}/ping`).then((r) => r.ok, () => false))) {
    if (serve.exitCode !== null) throw new Error(`serve exited (${serve.exitCode}):\n${serveOut}`);
    if (Date.now() > deadline) throw new Error(`serve did not answer /ping:\n${serveOut}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 180_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((r) => serve.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
  }
  await new Promise<void>((r) => (github ? github.close(() => r()) : r()));
  // The client secret and the users' tokens never reach the log.
  expect(serveOut).not.toContain(CLIENT_SECRET);
  for (const u of Object.values(USERS)) expect(serveOut).not.toContain(u.token);
});

async function signIn(visitor: Visitor, who: string, next: string): Promise<Response[]> {
  signInAs = who;
  return visitor.follow(`${base}/dashboard/login?next=${encodeURIComponent(next)}`);
}

const repoPage = '/dashboard/repo?name=acme%2Fsecret-app';

describe('the dashboard on bumpbench serve', () => {
  it('sends a visitor who has not signed in to sign in with GitHub, and shows nothing of the repository', async () => {
    const visitor = new Visitor();
    const hops = await visitor.follow(`${base}${repoPage}`);
    expect(hops[0].status).toBe(302);
    expect(hops[0].headers.get('location')).toBe(`/dashboard/login?next=${encodeURIComponent(repoPage)}`);
    // …which goes to GitHub's authorize page with the App's client id and our callback.
    const authorize = new URL(hops[1].headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`http://127.0.0.1:${githubPort}/login/oauth/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${base}/dashboard/auth/callback`);
    for (const path of [`/dashboard/jobs/${privateJobId}`, '/dashboard/', `/dashboard/runs/1`]) {
      const res = await new Visitor().get(`${base}${path}`);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location')).toMatch(/^\/dashboard\/login\?next=/);
      expect(await res.text()).not.toContain('secret-app');
    }
    const api = await new Visitor().get(`${base}/dashboard/api/jobs/${privateJobId}`);
    expect(api.status).toBe(401);
    expect(await api.text()).not.toContain(result.head.sha);
  });

  it('answers 404 to a signed-in user GitHub says cannot read the repository', async () => {
    const bob = new Visitor();
    const hops = await signIn(bob, 'bob', repoPage);
    // Signed in, sent back to the page asked for, which does not exist for bob.
    expect(hops.at(-1)!.url).toBe(`${base}${repoPage}`);
    expect(hops.at(-1)!.status).toBe(404);
    const page = await hops.at(-1)!.text();
    expect(page).toContain('Signed in as <strong>bob</strong>');
    expect(page).not.toContain(result.head.sha.slice(0, 7));
    for (const path of [`/dashboard/jobs/${privateJobId}`, `/dashboard/api/jobs/${privateJobId}`, '/dashboard/api/repo?name=acme%2Fsecret-app', '/dashboard/api/export?repo=acme%2Fsecret-app&format=csv']) {
      const res = await bob.get(`${base}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain(result.head.sha);
    }
    // The list leaves it out; so it does the CLI's local-path results, which GitHub cannot vouch for.
    const list = (await (await bob.get(`${base}/dashboard/api/repos`)).json()) as { repositories: { key: string }[] };
    expect(list.repositories).toEqual([]);
    // Asked with bob's own token.
    expect(apiCalls.some((c) => c.path === '/api/v3/repos/acme/secret-app' && c.auth === `Bearer ${USERS.bob.token}`)).toBe(true);
  });

  it('shows the repository, its jobs and the PR comment link to a user who can read it', async () => {
    const alice = new Visitor();
    const hops = await signIn(alice, 'alice', repoPage);
    const page = hops.at(-1)!;
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('acme/secret-app');
    expect(html).toContain(`/dashboard/jobs/${privateJobId}`);
    expect(html).toContain(`http://127.0.0.1:${githubPort}/acme/secret-app/pull/7`);
    const job = await alice.get(`${base}/dashboard/api/jobs/${privateJobId}`);
    expect(job.status).toBe(200);
    const body = (await job.json()) as { job: { pr: number; verdict: string }; result: JobResult };
    expect(body.job).toMatchObject({ pr: 7, verdict: result.verdict });
    expect(body.result.samples!.length).toBe(result.samples!.length);
    // The link the PR comment carries when BUMPBENCH_PUBLIC_URL is set lands on this job.
    const link = new URL(dashboardJobUrl(base, 'acme/secret-app', result));
    const found = await alice.get(link.toString());
    expect(found.status).toBe(302);
    expect(found.headers.get('location')).toBe(`/dashboard/jobs/${privateJobId}`);
    // The local-path repository of the same store is never shown on serve.
    const list = (await (await alice.get(`${base}/dashboard/api/repos`)).json()) as { repositories: { key: string }[] };
    expect(list.repositories.map((r) => r.key)).toEqual(['acme/secret-app']);
    expect((await alice.get(`${base}/dashboard/repo?name=${encodeURIComponent(localRepo)}`)).status).toBe(404);
  });

  it('does not trust a forged session cookie or a sign-in it did not start', async () => {
    const alice = new Visitor();
    await signIn(alice, 'alice', repoPage);
    const [name, value] = [...alice.cookies].find(([k]) => k === 'bumpbench_session')!;
    const forged = new Visitor();
    forged.cookies.set(name, `${value.slice(0, -4)}AAAA`);
    const res = await forged.get(`${base}${repoPage}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/dashboard\/login/);
    // A callback whose state was not issued to this browser.
    const stray = await new Visitor().get(`${base}/dashboard/auth/callback?code=code-for-alice&state=made-up`);
    expect(stray.status).toBe(400);
    expect(stray.headers.getSetCookie().some((c) => c.startsWith('bumpbench_session='))).toBe(false);
    // Signing out ends it.
    const out = await alice.get(`${base}/dashboard/logout`, { method: 'POST' });
    expect(out.status).toBe(303);
    expect((await alice.get(`${base}${repoPage}`)).status).toBe(302);
  });
});
