// Who may see what. `bumpbench dashboard` is local: everything in the store, to whoever reaches the port (it
// binds 127.0.0.1 unless told otherwise). On `bumpbench serve` results of private repositories must stay
// private: a visitor signs in with GitHub (the App's OAuth client, the web flow), the session lives in an
// encrypted and authenticated cookie, and a repository is shown only when GitHub answers the user's own token
// with 200 for GET /repos/{owner}/{repo}. Anything not on the GitHub host (local paths) is never shown there.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BASE_PATH } from './data.ts';
import type { RepoIdentity } from './repo-key.ts';

export interface Viewer {
  login: string;
}

export interface AccessPolicy {
  /** True when a visitor must sign in before seeing anything. */
  readonly requiresSignIn: boolean;
  /** The signed-in visitor, or null. */
  viewer(req: IncomingMessage): Viewer | null;
  /** May this visitor see this repository? (false: the page answers 404, as for one that does not exist) */
  canSee(req: IncomingMessage, repo: RepoIdentity): Promise<boolean>;
  /** Serves the policy's own routes (sign-in, callback, sign-out); false when the path is not one. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Where to send a visitor who must sign in, coming back to `next` afterwards. */
  signInUrl(next: string): string;
}

/** The local dashboard: no sign-in, every repository. */
export const localAccess: AccessPolicy = {
  requiresSignIn: false,
  viewer: () => null,
  canSee: async () => true,
  handle: async () => false,
  signInUrl: () => `${BASE_PATH}/`,
};

export interface GitHubOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** https://github.com, or <GHE_PROTOCOL>://<GHE_HOST>. */
  webUrl: string;
  /** https://api.github.com, or <GHE_PROTOCOL>://<GHE_HOST>/api/v3. */
  apiUrl: string;
  /** Key material for the session cookie (BUMPBENCH_SESSION_SECRET, else the client secret). */
  sessionSecret: string;
  /** Where the dashboard is reached from outside (BUMPBENCH_PUBLIC_URL); else from the request's Host. */
  publicUrl?: string;
  /** How long a sign-in lasts, ms (default 8 h, the lifetime of a GitHub App user token). */
  sessionMs?: number;
  /** How long a "can read" answer from GitHub is reused, ms (default 60 s). */
  accessCacheMs?: number;
}

/** The OAuth settings from the environment, or the names of what is missing. */
export function oauthConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubOAuthConfig | { missing: string[] } {
  const clientId = env.CLIENT_ID || env.GITHUB_CLIENT_ID;
  const clientSecret = env.CLIENT_SECRET || env.GITHUB_CLIENT_SECRET;
  const missing = [!clientId && 'CLIENT_ID', !clientSecret && 'CLIENT_SECRET'].filter(Boolean) as string[];
  if (missing.length) return { missing };
  const protocol = (env.GHE_PROTOCOL || 'https').replace(/:?\/*$/, '');
  const webUrl = env.GHE_HOST ? `${protocol}://${env.GHE_HOST}` : 'https://github.com';
  const apiUrl = env.GHE_HOST ? `${webUrl}/api/v3` : 'https://api.github.com';
  return {
    clientId: clientId!,
    clientSecret: clientSecret!,
    webUrl,
    apiUrl,
    sessionSecret: env.BUMPBENCH_SESSION_SECRET || clientSecret!,
    publicUrl: env.BUMPBENCH_PUBLIC_URL?.replace(/\/+$/, '') || undefined,
  };
}

const SESSION_COOKIE = 'bumpbench_session';
const STATE_COOKIE = 'bumpbench_oauth';

/** AES-256-GCM: the cookie can be neither read nor forged without the key. */
class CookieBox {
  private readonly key: Buffer;
  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'bumpbench-dashboard', 'session-cookie', 32));
  }
  seal(value: object): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }
  open<T>(sealed: string | undefined): T | null {
    if (!sealed) return null;
    try {
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length < 29) return null;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as T;
    } catch {
      return null;
    }
  }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

interface Session {
  login: string;
  token: string;
  exp: number;
}

interface OAuthState {
  state: string;
  next: string;
  exp: number;
}

/** Only our own pages: never an open redirect to somewhere else. */
function safeNext(next: string | null): string {
  return next && next.startsWith(`${BASE_PATH}/`) && !next.startsWith('//') && !/[\r\n]/.test(next) ? next : `${BASE_PATH}/`;
}

export class GitHubAccess implements AccessPolicy {
  readonly requiresSignIn = true;
  private readonly box: CookieBox;
  private readonly cache = new Map<string, { ok: boolean; until: number }>();

  constructor(
    readonly config: GitHubOAuthConfig,
    private readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void } = { warn() {}, info() {} },
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.box = new CookieBox(config.sessionSecret);
  }

  private session(req: IncomingMessage): Session | null {
    const s = this.box.open<Session>(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    return s && typeof s.token === 'string' && typeof s.login === 'string' && s.exp > Date.now() ? s : null;
  }

  viewer(req: IncomingMessage): Viewer | null {
    const s = this.session(req);
    return s ? { login: s.login } : null;
  }

  signInUrl(next: string): string {
    return `${BASE_PATH}/login?next=${encodeURIComponent(safeNext(next))}`;
  }

  private origin(req: IncomingMessage): string {
    if (this.config.publicUrl) return this.config.publicUrl;
    const proto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() === 'https' ? 'https' : 'http';
    return `${proto}://${req.headers.host ?? 'localhost'}`;
  }

  private cookie(req: IncomingMessage, name: string, value: string, maxAgeSec: number): string {
    const secure = this.origin(req).startsWith('https:') ? '; Secure' : '';
    return `${name}=${value}; Path=${BASE_PATH}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSec}${secure}`;
  }

  private async github(path: string, token: string): Promise<Response> {
    return this.fetchImpl(`${this.config.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'user-agent': 'bumpbench-dashboard', 'x-github-api-version': '2022-11-28' },
      signal: AbortSignal.timeout(10_000),
    });
  }

  async canSee(req: IncomingMessage, repo: RepoIdentity): Promise<boolean> {
    const session = this.session(req);
    if (!session || !repo.github) return false;
    const cacheKey = `${createHash('sha256').update(session.token).digest('hex').slice(0, 24)}\n${repo.key}`;
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.ok;
    let ok = false;
    try {
      const res = await this.github(`/repos/${encodeURIComponent(repo.github.owner)}/${encodeURIComponent(repo.github.name)}`, session.token);
      await res.body?.cancel();
      ok = res.status === 200;
      if (res.status !== 200 && res.status !== 404 && res.status !== 403) {
        this.log.warn({ status: res.status, repo: repo.key }, 'GitHub did not say whether the user can read the repository; not shown');
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message, repo: repo.key }, 'asking GitHub whether the user can read the repository failed; not shown');
      return false;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { ok, until: Date.now() + (this.config.accessCacheMs ?? 60_000) });
    return ok;
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (path === `${BASE_PATH}/login` && req.method === 'GET') {
      const state = randomBytes(16).toString('base64url');
      const next = safeNext(url.searchParams.get('next'));
      const authorize = new URL(`${this.config.webUrl}/login/oauth/authorize`);
      authorize.searchParams.set('client_id', this.config.clientId);
      authorize.searchParams.set('redirect_uri', `${this.origin(req)}${BASE_PATH}/auth/callback`);
      authorize.searchParams.set('state', state);
      res.writeHead(302, {
        location: authorize.toString(),
        'set-cookie': this.cookie(req, STATE_COOKIE, this.box.seal({ state, next, exp: Date.now() + 10 * 60_000 } satisfies OAuthState), 600),
        'cache-control': 'no-store',
      });
      res.end();
      return true;
    }
    if (path === `${BASE_PATH}/auth/callback` && req.method === 'GET') {
      await this.callback(req, res, url);
      return true;
    }
    if (path === `${BASE_PATH}/logout` && req.method === 'POST') {
      res.writeHead(303, { location: `${BASE_PATH}/signed-out`, 'set-cookie': this.cookie(req, SESSION_COOKIE, '', 0), 'cache-control': 'no-store' });
      res.end();
      return true;
    }
    return false;
  }

  private async callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const fail = (status: number, message: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'set-cookie': this.cookie(req, STATE_COOKIE, '', 0) });
      res.end(`${message}\n\nStart again: ${BASE_PATH}/login\n`);
    };
    const saved = this.box.open<OAuthState>(parseCookies(req.headers.cookie)[STATE_COOKIE]);
    const state = url.searchParams.get('state');
    const code = url.searchParams.get('code');
    if (url.searchParams.get('error')) return fail(403, `GitHub did not sign you in: ${url.searchParams.get('error_description') ?? url.searchParams.get('error')}`);
    if (!saved || saved.exp < Date.now() || !state || state !== saved.state) {
      return fail(400, 'This sign-in link is stale or was not started here (the state does not match).');
    }
    if (!code) return fail(400, 'GitHub sent no code back.');
    let token: string | undefined;
    try {
      const exchange = await this.fetchImpl(`${this.config.webUrl}/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'bumpbench-dashboard' },
        body: JSON.stringify({ client_id: this.config.clientId, client_secret: this.config.clientSecret, code, redirect_uri: `${this.origin(req)}${BASE_PATH}/auth/callback` }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await exchange.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
      if (!exchange.ok || !body.access_token) {
        this.log.warn({ status: exchange.status, error: body.error }, 'GitHub refused the sign-in code');
        return fail(502, `GitHub refused the sign-in: ${body.error_description ?? body.error ?? `HTTP ${exchange.status}`}`);
      }
      token = body.access_token;
      const user = await this.github('/user', token);
      const who = (await user.json().catch(() => ({}))) as { login?: string };
      if (!user.ok || !who.login) return fail(502, `GitHub did not say who you are (HTTP ${user.status}).`);
      const session: Session = { login: who.login, token, exp: Date.now() + (this.config.sessionMs ?? 8 * 3600_000) };
      this.log.info({ login: who.login }, 'dashboard sign-in');
      res.writeHead(302, {
        location: saved.next,
        'set-cookie': [
          this.cookie(req, SESSION_COOKIE, this.box.seal(session), Math.round((session.exp - Date.now()) / 1000)),
          this.cookie(req, STATE_COOKIE, '', 0),
        ],
        'cache-control': 'no-store',
      });
      res.end();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'GitHub sign-in failed');
      fail(502, `Signing in with GitHub failed: ${(err as Error).message}`);
    }
  }
}
