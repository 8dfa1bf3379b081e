// GitHub for end-to-end tests of the App: a local HTTP server playing the GitHub Enterprise API (the App
// reaches it through GHE_HOST) that records every call and serves the repository over git's HTTP protocol
// behind the installation token (the App fetches only from its GitHub host), and `bumpbench serve` as a
// child process pointed at it, with signed webhook deliveries.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/bench/ports.ts';
import { serveGitOverHttp } from './git-http.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'bumpbench.js');

export interface ApiCall {
  method: string;
  path: string;
  body: any;
  /** When the call arrived (ms since the epoch). */
  at: number;
}

export interface FakeRepo {
  owner: string;
  name: string;
  /** The repository's work tree, served at /<owner>/<name>.git; its clone URL is that. */
  repoDir: string;
  /** The config the App reads from the base commit through the contents API. */
  config: string;
  baseSha: string;
  headSha: string;
  token: string;
}

/** A pull request of the fake repo besides the first one (`prNumber`, head `repo.headSha` on bump-lib). */
export interface FakePull {
  number: number;
  headRef: string;
  headSha: string;
}

export interface FakeGitHub {
  readonly port: number;
  readonly calls: ApiCall[];
  /** Comments of every PR; `issue` says which. */
  readonly comments: { id: number; issue: number; body: string; user: { login: string; type: string } }[];
  readonly checkRunIds: number[];
  /** Basic-auth passwords git sent, and processes whose argv held the token while it fetched. */
  readonly gitPasswords: (string | null)[];
  readonly tokenInArgv: string[];
  /** The PR as the API and webhooks show it (default: the first one). */
  pullRequest(number?: number): Record<string, unknown>;
  /** Serve new commits of the repo (after committing to it). */
  refresh(): void;
  /** Calls that created or updated check runs. */
  checkCreates(): ApiCall[];
  checkPatches(): ApiCall[];
  completedFor(id: number): ApiCall | undefined;
  close(): Promise<void>;
}

export async function startFakeGitHub(repo: FakeRepo, prNumber = 2, morePulls: FakePull[] = []): Promise<FakeGitHub> {
  const api = `/api/v3/repos/${repo.owner}/${repo.name}`;
  const calls: ApiCall[] = [];
  const comments: FakeGitHub['comments'] = [];
  const checkRunIds: number[] = [];
  let nextId = 1000;
  let cloneUrl = '';
  const pulls: FakePull[] = [{ number: prNumber, headRef: 'bump-lib', headSha: repo.headSha }, ...morePulls];

  const pullRequest = (number = prNumber) => {
    const pull = pulls.find((p) => p.number === number);
    if (!pull) throw new Error(`fake GitHub: no PR #${number}`);
    const r = { full_name: `${repo.owner}/${repo.name}`, clone_url: cloneUrl, html_url: `https://ghe.example/${repo.owner}/${repo.name}`, name: repo.name, owner: { login: repo.owner } };
    return {
      number, state: 'open', user: { login: 'contributor', type: 'User' }, labels: [{ name: 'benchmark' }],
      head: { ref: pull.headRef, sha: pull.headSha, repo: r }, base: { ref: 'main', sha: repo.baseSha, repo: r },
    };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url!, 'http://x');
    const route = `${req.method} ${decodeURIComponent(url.pathname)}`;
    calls.push({ method: req.method!, path: decodeURIComponent(url.pathname), body: body ? JSON.parse(body) : undefined, at: Date.now() });
    const json = (status: number, data: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    };
    if (/^POST \/api\/v3\/app\/installations\/\d+\/access_tokens$/.test(route)) {
      return json(201, { token: repo.token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { contents: 'read' } });
    }
    if (route === 'GET /api/v3/app') return json(200, { id: 1, slug: 'bumpbench-e2e' });
    if (route === `GET ${api}/contents/.github/bumpbench.yml` && url.searchParams.get('ref') === repo.baseSha) {
      return json(200, { type: 'file', encoding: 'base64', content: Buffer.from(repo.config).toString('base64') });
    }
    if (route === `GET ${api}/collaborators/maintainer/permission`) return json(200, { permission: 'write', role_name: 'write' });
    const pull = new RegExp(`^GET ${api}/pulls/(\\d+)$`).exec(route);
    if (pull && pulls.some((p) => p.number === Number(pull[1]))) return json(200, pullRequest(Number(pull[1])));
    if (route === `POST ${api}/check-runs`) {
      checkRunIds.push(nextId);
      return json(201, { id: nextId++ });
    }
    if (req.method === 'PATCH' && url.pathname.startsWith(`${api}/check-runs/`)) return json(200, {});
    const issue = new RegExp(`^(GET|POST) ${api}/issues/(\\d+)/comments$`).exec(route);
    if (issue?.[1] === 'GET') return json(200, comments.filter((c) => c.issue === Number(issue[2])));
    if (issue?.[1] === 'POST') {
      const comment = { id: nextId++, issue: Number(issue[2]), body: JSON.parse(body).body, user: { login: 'bumpbench-e2e[bot]', type: 'Bot' } };
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
  };

  const served = await serveGitOverHttp({ repoDir: repo.repoDir, owner: repo.owner, name: repo.name, token: repo.token, extra: handle });
  cloneUrl = served.cloneUrl;
  const checkCreates = () => calls.filter((c) => c.method === 'POST' && c.path === `${api}/check-runs`);
  const checkPatches = () => calls.filter((c) => c.method === 'PATCH' && c.path.startsWith(`${api}/check-runs/`));
  return {
    port: Number(new URL(served.origin).port),
    calls,
    comments,
    checkRunIds,
    gitPasswords: served.passwords,
    tokenInArgv: served.tokenInArgv,
    pullRequest,
    refresh: () => served.refresh(),
    checkCreates,
    checkPatches,
    completedFor: (id) => checkPatches().find((c) => c.path.endsWith(`/${id}`) && c.body.status === 'completed'),
    close: () => served.close(),
  };
}

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/** `bumpbench serve` against the fake GitHub, with exactly the environment given (plus PORT/HOST/GHE_*). */
export async function startServe(opts: { dataDir: string; cwd: string; githubPort: number; env: Record<string, string>; args?: string[] }): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', opts.dataDir, ...(opts.args ?? [])], {
    cwd: opts.cwd,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: `127.0.0.1:${opts.githubPort}`,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const serve = { child, port, output: () => out };
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${out}`);
    return fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.ok, () => false);
  }, 'serve to answer /ping', 60_000);
  return serve;
}

export async function stopServe(serve: ServeProcess, signal: NodeJS.Signals): Promise<void> {
  if (serve.child.exitCode !== null || serve.child.signalCode !== null) return;
  const exited = new Promise((resolve) => serve.child.once('exit', resolve));
  serve.child.kill(signal);
  await exited;
}

/** Polls `check` until it holds; `what` may be a function, so the message can describe the state at the timeout. */
export async function until(check: () => boolean | Promise<boolean>, what: string | (() => string), ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function sendWebhook(serve: ServeProcess, event: string, payload: unknown, secret: string, delivery: string = randomUUID()): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(`http://127.0.0.1:${serve.port}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': sign(body, secret) },
    body,
  });
  await res.text();
  return res.status;
}

/** The `labeled` event of a PR of the fake repo, by a maintainer: what starts a compare. */
export function labeledEvent(github: FakeGitHub, number?: number): Record<string, unknown> {
  const pr = github.pullRequest(number) as { number: number };
  return {
    action: 'labeled', number: pr.number, pull_request: pr, label: { name: 'benchmark' },
    repository: { id: 1, name: 'Hello-World', full_name: 'Codertocat/Hello-World', owner: { login: 'Codertocat', type: 'User' }, private: false },
    installation: { id: 1 }, sender: { login: 'maintainer', type: 'User' },
  };
}

/** A `/bumpbench …` comment by a maintainer on a PR of the fake repo, written now. */
export function commentEvent(github: FakeGitHub, body: string, number?: number): Record<string, unknown> {
  const pr = github.pullRequest(number) as { number: number };
  return {
    action: 'created',
    issue: { number: pr.number, pull_request: { url: `http://127.0.0.1:${github.port}/api/v3/repos/Codertocat/Hello-World/pulls/${pr.number}` } },
    comment: { id: Math.floor(Math.random() * 1e9), body, created_at: new Date().toISOString(), user: { login: 'maintainer', type: 'User' } },
    repository: { id: 1, name: 'Hello-World', full_name: 'Codertocat/Hello-World', owner: { login: 'Codertocat', type: 'User' }, private: false },
    installation: { id: 1 }, sender: { login: 'maintainer', type: 'User' },
  };
}
