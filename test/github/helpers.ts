// Probot + nock harness: a Probot with a throwaway key and an in-memory logger, webhook payloads from
// @octokit/webhooks-examples adapted per test, and a recorder of the GitHub API calls the App makes.
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import nock from 'nock';
import { Probot, ProbotOctokit, type Logger } from 'probot';

export const INSTALLATION_TOKEN = 'ghs_installationTokenForTests0123456789';
/** What the App gets when it mints a token for one repository (a body naming `repositories`). */
export const REPO_TOKEN = 'ghs_repoScopedTokenForTests987654321abc';
export const API = 'https://api.github.com';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});
export const PRIVATE_KEY = privateKey;

export interface LogLine {
  level: string;
  msg: string;
  bindings: Record<string, unknown>;
}

/** A pino-shaped logger that keeps every line (the App's "every early return logs why" is tested on it). */
export function memoryLogger(lines: LogLine[] = [], bindings: Record<string, unknown> = {}): Logger & { lines: LogLine[] } {
  const at = (level: string) => (obj: unknown, msg?: string) => {
    const text = typeof obj === 'string' ? obj : (msg ?? (obj instanceof Error ? obj.message : ''));
    lines.push({ level, msg: text, bindings: typeof obj === 'object' && obj !== null ? { ...bindings, ...obj } : bindings });
  };
  const log = {
    lines,
    level: 'trace',
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (more: Record<string, unknown>) => memoryLogger(lines, { ...bindings, ...more }),
  };
  return log as unknown as Logger & { lines: LogLine[] };
}

export function testProbot(log = memoryLogger()): Probot {
  return new Probot({
    appId: 123,
    privateKey: PRIVATE_KEY,
    log,
    // Function form: it runs after Probot's own defaults, which would otherwise turn throttling back on
    // (its write limiter spaces POSTs a second apart).
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
}

interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as ExampleGroup[];

/** A deep copy of the first example payload of `event` with `action` (and an installation id). */
export function example(event: string, action: string): any {
  const group = examples.find((e) => e.name === event);
  const found = group?.examples.find((e) => e.action === action && (e as { installation?: unknown }).installation);
  if (!found) throw new Error(`no ${event}.${action} example with an installation`);
  return structuredClone(found);
}

export interface Call {
  method: string;
  path: string;
  body: any;
}

/**
 * Intercepts api.github.com: the installation token, plus whatever the test adds. Every call is recorded;
 * `nock.disableNetConnect()` makes any call the test did not expect fail loudly.
 */
export function github(): { scope: nock.Scope; calls: Call[] } {
  nock.disableNetConnect();
  const calls: Call[] = [];
  const record = (req: { method: string; path: string }, _interceptor: unknown, body: string) => {
    calls.push({ method: req.method, path: decodeURIComponent(req.path), body: body ? JSON.parse(body) : undefined });
  };
  const tokens = nock(API)
    .persist()
    .post(/\/app\/installations\/\d+\/access_tokens/)
    .reply(201, (_uri: string, body: any) => ({
      token: body?.repositories ? REPO_TOKEN : INSTALLATION_TOKEN,
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      permissions: body?.permissions ?? {},
    }));
  tokens.on('request', record);
  const scope = nock(API);
  scope.on('request', record);
  return { scope, calls };
}

export function configContent(yaml: string) {
  return { type: 'file', encoding: 'base64', name: 'bumpbench.yml', path: '.github/bumpbench.yml', content: Buffer.from(yaml).toString('base64') };
}

export const GOOD_CONFIG = `start: node server.js
scenarios:
  - name: home
    path: /
`;

export function nonTokenCalls(calls: Call[]): Call[] {
  return calls.filter((c) => !c.path.includes('/access_tokens'));
}
