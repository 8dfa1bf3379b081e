// The dashboard's HTTP routes under /dashboard: pages, the JSON API, live run events (server-sent events),
// assets. One handler, `(req, res) => handled?`, the shape Probot's server takes from `addHandler`, so the
// same routes run inside `bumpbench serve` and in `bumpbench dashboard`'s own server. Every route that shows
// a repository's data asks the access policy first; a repository the visitor may not see answers 404 like one
// that does not exist.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Assets } from './assets.ts';
import type { AccessPolicy } from './auth.ts';
import { BASE_PATH, type DashboardData, type RunSummary } from './data.ts';
import { exportHistory, historyToCsv } from './export.ts';
import { jobPage, messagePage, repositoriesPage, repositoryPage, runPage, type PageContext } from './pages.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface RouteOptions {
  data: DashboardData;
  assets: Assets;
  access: AccessPolicy;
  /** How often a live event stream looks for new progress, ms. */
  pollMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  const raw = typeof body === 'string' ? Buffer.from(body) : body;
  const gzip = raw.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const out = gzip ? gzipSync(raw) : raw;
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(out.length),
    // Results are private to whoever may see them: never kept by a shared cache.
    'cache-control': 'private, no-cache',
    vary: 'accept-encoding, cookie',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    ...SECURITY_HEADERS,
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : out);
}

const sendJson = (req: IncomingMessage, res: ServerResponse, status: number, value: unknown) =>
  send(req, res, status, 'application/json; charset=utf-8', JSON.stringify(value, null, 2) + '\n');

function positiveInt(text: string | undefined): number | null {
  return text && /^\d{1,12}$/.test(text) && Number(text) > 0 ? Number(text) : null;
}

export function createDashboardRoutes(options: RouteOptions): Handler {
  const { data, assets, access } = options;
  const pollMs = options.pollMs ?? 500;

  /** May the visitor see this repo key? Unknown keys and hidden ones alike: no. */
  async function mayShowKey(req: IncomingMessage, key: string | null): Promise<boolean> {
    if (key === null) return false;
    const stored = data.store.listRepos().find((r) => data.identity(r).key === key);
    return stored !== undefined && (await access.canSee(req, data.identity(stored)));
  }

  async function visibleRuns(req: IncomingMessage): Promise<RunSummary[]> {
    const runs = data.store.listActiveRuns().map((r) => data.runSummary(r));
    const allowed = await Promise.all(runs.map((r) => mayShowKey(req, r.repo)));
    return runs.filter((_, i) => allowed[i]);
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, ctx: PageContext): Promise<void> {
    const path = url.pathname;
    const html = (body: string, status = 200) => send(req, res, status, 'text/html; charset=utf-8', body);
    let m: RegExpExecArray | null;

    if (path === `${BASE_PATH}/` || path === `${BASE_PATH}/index.html`) {
      const repos = data.listRepositories();
      const allowed = await Promise.all(repos.map((r) => mayShowKey(req, r.key)));
      return html(repositoriesPage(ctx, repos.filter((_, i) => allowed[i]), await visibleRuns(req)));
    }
    if (path === `${BASE_PATH}/repo`) {
      const key = url.searchParams.get('name');
      if (!key) throw new HttpError(400, 'Say which repository: /dashboard/repo?name=OWNER/NAME');
      const history = (await mayShowKey(req, key)) ? data.repositoryHistory(key, url.searchParams.get('package') || null) : null;
      if (!history) throw new HttpError(404, `No repository "${key}" here.`);
      return html(repositoryPage(ctx, history));
    }
    if ((m = /^\/dashboard\/jobs\/([^/]+)$/.exec(path))) {
      const id = positiveInt(m[1]);
      const detail = id && (await mayShowKey(req, data.repoOfJob(id))) ? data.jobDetail(id) : null;
      if (!detail) throw new HttpError(404, `No job ${m[1]} here.`);
      return html(jobPage(ctx, detail));
    }
    if ((m = /^\/dashboard\/runs\/([^/]+)$/.exec(path))) {
      const id = positiveInt(m[1]);
      const detail = id && (await mayShowKey(req, data.repoOfRun(id))) ? data.runDetail(id) : null;
      if (!detail) throw new HttpError(404, `No run ${m[1]} here.`);
      return html(runPage(ctx, detail));
    }
    if (path === `${BASE_PATH}/find`) {
      // The PR comment's link: the newest result of these commits.
      const [key, kind, base, head] = ['repo', 'kind', 'base', 'head'].map((p) => url.searchParams.get(p));
      if (!key || !kind || !base || !head) throw new HttpError(400, 'Needs repo, kind, base and head.');
      const id = (await mayShowKey(req, key)) ? data.findJob(key, kind, base, head) : null;
      if (!id) throw new HttpError(404, `No ${kind} of ${base.slice(0, 7)}…${head.slice(0, 7)} in ${key} here.`);
      res.writeHead(302, { location: `${BASE_PATH}/jobs/${id}`, 'cache-control': 'no-store' });
      res.end();
      return;
    }
    if (path === `${BASE_PATH}/signed-out`) return html(messagePage(ctx, 'Signed out', `You are signed out. <a href="${BASE_PATH}/">Sign in again</a>.`));

    // ---- the JSON API (docs/dashboard.md) ----
    if (path === `${BASE_PATH}/api/repos`) {
      const repos = data.listRepositories();
      const allowed = await Promise.all(repos.map((r) => mayShowKey(req, r.key)));
      return sendJson(req, res, 200, { repositories: repos.filter((_, i) => allowed[i]), running: await visibleRuns(req) });
    }
    if (path === `${BASE_PATH}/api/repo`) {
      const key = url.searchParams.get('name');
      if (!key) throw new HttpError(400, 'Say which repository: ?name=OWNER/NAME');
      const history = (await mayShowKey(req, key)) ? data.repositoryHistory(key, url.searchParams.get('package') || null) : null;
      if (!history) throw new HttpError(404, `No repository "${key}" here.`);
      return sendJson(req, res, 200, history);
    }
    if (path === `${BASE_PATH}/api/export`) {
      const key = url.searchParams.get('repo');
      const format = url.searchParams.get('format') ?? 'json';
      if (!key) throw new HttpError(400, 'Say which repository: ?repo=OWNER/NAME&format=csv|json');
      if (format !== 'csv' && format !== 'json') throw new HttpError(400, `format is csv or json, not "${format}"`);
      const exported = (await mayShowKey(req, key)) ? exportHistory(data, key, url.searchParams.get('package') || null) : null;
      if (!exported) throw new HttpError(404, `No repository "${key}" here.`);
      const file = `${key.replace(/[^\w.-]+/g, '-').replace(/^-+/, '')}-history.${format}`;
      const disposition = { 'content-disposition': `attachment; filename="${file}"` };
      if (format === 'csv') return send(req, res, 200, 'text/csv; charset=utf-8', historyToCsv(exported), disposition);
      return send(req, res, 200, 'application/json; charset=utf-8', JSON.stringify(exported, null, 2) + '\n', disposition);
    }
    if ((m = /^\/dashboard\/api\/jobs\/([^/]+)$/.exec(path))) {
      const id = positiveInt(m[1]);
      const detail = id && (await mayShowKey(req, data.repoOfJob(id))) ? data.jobDetail(id) : null;
      if (!detail) throw new HttpError(404, `No job ${m[1]} here.`);
      return sendJson(req, res, 200, { job: detail.job, result: { ...detail.result, samples: detail.samples } });
    }
    if ((m = /^\/dashboard\/api\/runs\/([^/]+)(\/events)?$/.exec(path))) {
      const id = positiveInt(m[1]);
      // A reconnecting EventSource says where it stopped (Last-Event-ID); that wins over the first URL's ?after.
      const after = Number(req.headers['last-event-id'] ?? url.searchParams.get('after') ?? 0) || 0;
      const detail = id && (await mayShowKey(req, data.repoOfRun(id))) ? data.runDetail(id, after) : null;
      if (!detail) throw new HttpError(404, `No run ${m[1]} here.`);
      if (!m[2]) return sendJson(req, res, 200, detail);
      return streamRun(req, res, id!, after);
    }
    throw new HttpError(404, 'No such page.');
  }

  /** Server-sent events: each new progress event as `progress`, the run's state as `state` when it changes. */
  function streamRun(req: IncomingMessage, res: ServerResponse, id: number, after: number): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...SECURITY_HEADERS,
    });
    let seq = after;
    let lastState = '';
    let lastUpdate = Date.now();
    res.write('retry: 2000\n\n');
    const tick = () => {
      try {
        const detail = data.runDetail(id, seq);
        if (!detail) return stop();
        for (const p of detail.progress) {
          res.write(`id: ${p.seq}\nevent: progress\ndata: ${JSON.stringify(p)}\n\n`);
          seq = p.seq;
          lastUpdate = Date.now();
        }
        const state = `${detail.run.state}/${detail.run.resultId ?? ''}`;
        if (state !== lastState) {
          lastState = state;
          res.write(`event: state\ndata: ${JSON.stringify(detail.run)}\n\n`);
        }
        if (detail.run.state !== 'running' && detail.run.state !== 'interrupted') return stop();
        if (Date.now() - lastUpdate > 15_000) {
          res.write(': still running\n\n');
          lastUpdate = Date.now();
        }
      } catch (err) {
        options.log?.warn({ err: (err as Error).message, run: id }, 'live run events failed');
        stop();
      }
    };
    const timer = setInterval(tick, pollMs);
    function stop() {
      clearInterval(timer);
      res.end();
    }
    req.on('close', () => clearInterval(timer));
    tick();
  }

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    if (path !== BASE_PATH && !path.startsWith(`${BASE_PATH}/`)) return false;
    const viewer = access.viewer(req);
    const ctx: PageContext = { assets, viewer };
    const isApi = path.startsWith(`${BASE_PATH}/api/`);
    try {
      if (path === BASE_PATH) {
        res.writeHead(301, { location: `${BASE_PATH}/` });
        res.end();
        return true;
      }
      if (path.startsWith(`${BASE_PATH}/assets/`)) {
        serveAsset(req, res, path.slice(`${BASE_PATH}/assets/`.length));
        return true;
      }
      if (await access.handle(req, res, url)) return true;
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'Only GET here.');
      if (access.requiresSignIn && !viewer && path !== `${BASE_PATH}/signed-out`) {
        const signIn = access.signInUrl(`${path}${url.search}`);
        if (isApi) sendJson(req, res, 401, { error: 'sign in first', signIn });
        else {
          res.writeHead(302, { location: signIn, 'cache-control': 'no-store' });
          res.end();
        }
        return true;
      }
      await route(req, res, url, ctx);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof HttpError ? err.message : 'Something went wrong on our side; the server log has the details.';
      if (!(err instanceof HttpError)) options.log?.warn({ err: (err as Error).stack ?? String(err), path }, 'dashboard request failed');
      if (res.headersSent) res.end();
      else if (isApi) sendJson(req, res, status, { error: message });
      else send(req, res, status, 'text/html; charset=utf-8', messagePage(ctx, status === 404 ? 'Not found' : `Error ${status}`, escapeText(message)));
    }
    return true;
  };

  function serveAsset(req: IncomingMessage, res: ServerResponse, name: string): void {
    const asset = assets.get(name);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end('No such file.\n');
      return;
    }
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, { etag: asset.etag, 'cache-control': 'public, max-age=31536000, immutable' });
      res.end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzip : asset.body;
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': String(body.length),
      // The name carries a hash of the content: a changed file is a new name, so this one never changes.
      'cache-control': 'public, max-age=31536000, immutable',
      etag: asset.etag,
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
