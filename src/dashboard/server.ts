// Where the dashboard runs: mounted on Probot's server by `bumpbench serve` (one call, `mountDashboard`), or
// on its own node:http server by `bumpbench dashboard` (`startDashboard`, local, no sign-in).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ResultsStore } from '../store/results-store.ts';
import { Assets } from './assets.ts';
import { GitHubAccess, localAccess, oauthConfigFromEnv, type AccessPolicy } from './auth.ts';
import { BASE_PATH, DashboardData } from './data.ts';
import { escapeHtml } from './html.ts';
import { githubHostFromEnv } from './repo-key.ts';
import { createDashboardRoutes, type Handler } from './routes.ts';

interface Log {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
}

export interface MountOptions {
  dataDir: string;
  /** The SQLite store; default `<dataDir>/bumpbench.db`. */
  dbFile?: string;
  log?: Log;
  env?: NodeJS.ProcessEnv;
}

/**
 * `bumpbench serve`: the dashboard under /dashboard on the App's own HTTP server (Probot's `addHandler`),
 * behind GitHub sign-in. Without CLIENT_ID and CLIENT_SECRET it answers 503 with what to set: results of
 * private repositories are never shown to someone GitHub has not vouched for. Reads the environment now,
 * before serve moves the secrets out of it.
 */
export function mountDashboard(addHandler: (handler: Handler) => void, options: MountOptions): { close(): void } {
  const env = options.env ?? process.env;
  const oauth = oauthConfigFromEnv(env);
  if ('missing' in oauth) {
    const why = `The dashboard needs the App's OAuth client to sign visitors in with GitHub: set ${oauth.missing.join(' and ')} (see docs/dashboard.md).`;
    options.log?.warn({ missing: oauth.missing }, 'dashboard disabled: no OAuth client to sign visitors in');
    addHandler(async (req, res) => {
      const p = new URL(req.url ?? '/', 'http://x').pathname;
      if (p !== BASE_PATH && !p.startsWith(`${BASE_PATH}/`)) return false;
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`<!doctype html><html lang="en"><title>bumpbench dashboard</title><h1>Dashboard not configured</h1><p>${escapeHtml(why)}</p></html>\n`);
      return true;
    });
    return { close() {} };
  }
  const access = new GitHubAccess(oauth, wrapLog(options.log));
  const { handler, close } = dashboardHandler({ ...options, access, githubHost: githubHostFromEnv(env) });
  addHandler(handler);
  options.log?.info({ path: `${BASE_PATH}/`, github: oauth.webUrl }, 'dashboard mounted (GitHub sign-in)');
  return { close };
}

function wrapLog(log: Log | undefined) {
  return { warn: (obj: object, msg: string) => log?.warn(obj, msg), info: (obj: object, msg: string) => log?.info(obj, msg) };
}

export function dashboardHandler(options: MountOptions & { access: AccessPolicy; githubHost?: string; pollMs?: number }): { handler: Handler; close(): void } {
  const store = new ResultsStore(options.dbFile ?? path.join(options.dataDir, 'bumpbench.db'));
  const data = new DashboardData(store, options.githubHost);
  const handler = createDashboardRoutes({ data, assets: new Assets(), access: options.access, pollMs: options.pollMs, log: wrapLog(options.log) });
  return { handler, close: () => store.close() };
}

export interface LocalDashboard {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** `bumpbench dashboard`: every result in the store, no sign-in, on host:port (127.0.0.1 unless told). */
export async function startDashboard(options: { dbFile: string; host: string; port: number; log?: Log; githubHost?: string }): Promise<LocalDashboard> {
  const { handler, close } = dashboardHandler({ dataDir: path.dirname(options.dbFile), dbFile: options.dbFile, access: localAccess, githubHost: options.githubHost, log: options.log });
  const server = createServer((req, res) => {
    handler(req, res).then(
      (handled) => {
        if (handled) return;
        if (new URL(req.url ?? '/', 'http://x').pathname === '/') {
          res.writeHead(302, { location: `${BASE_PATH}/` });
          res.end();
        } else {
          res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`Not found. The dashboard is at ${BASE_PATH}/\n`);
        }
      },
      (err) => {
        options.log?.warn({ err: (err as Error).message }, 'dashboard request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${BASE_PATH}/`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      close();
    },
  };
}
