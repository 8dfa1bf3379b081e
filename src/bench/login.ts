// The login of one server start: the configured requests sent in order, each answer read for what later
// requests need (a JSON field, a header, a cookie). It runs in the load generator's child process, which
// sits in the job's network namespace where the server listens. A login that does not answer 2xx/3xx, or
// whose answer lacks a captured value, is an error that says what came back: a wrong password or path is
// the config's to fix, and measuring requests that all answer 401 would only measure the 401.
import type { Capture, LoginStep, TemplateValue } from '../config/schema.ts';
import { parseJsonPath, readJsonPath } from '../config/json-path.ts';
import { requestPlan, type Session } from './request-plan.ts';

const LOGIN_TIMEOUT_MS = 10_000;

/** The login failed: the message names the request and what it answered. */
export class LoginError extends Error {
  override readonly name = 'LoginError';
}

/** Up to 200 characters of a body, on one line, for a message. */
function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function isValue(v: unknown): v is TemplateValue {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** What one capture takes from an answer, or why it cannot. */
function capture(name: string, how: Capture, res: Response, text: string, what: string): TemplateValue | TemplateValue[] {
  let value: unknown;
  if ('json' in how) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new LoginError(`${what} answered ${res.status} with a body that is not JSON (${res.headers.get('content-type') ?? 'no content type'}: ${excerpt(text) || 'empty'}), so ${name} cannot be read from ${how.json}`);
    }
    value = readJsonPath(data, parseJsonPath(how.json));
    if (value === undefined || (Array.isArray(value) && value.length === 0)) {
      const keys = data !== null && typeof data === 'object' && !Array.isArray(data) ? `; its top-level fields are ${Object.keys(data).join(', ') || 'none'}` : '';
      throw new LoginError(`${what} answered ${res.status} without ${how.json} in its JSON, so ${name} cannot be captured${keys}`);
    }
  } else if ('header' in how) {
    value = res.headers.get(how.header) ?? undefined;
    if (value === undefined) throw new LoginError(`${what} answered ${res.status} without a ${how.header} header, so ${name} cannot be captured`);
  } else {
    const cookies = res.headers.getSetCookie();
    const found = cookies.map((c) => c.split(';')[0]).find((pair) => pair.slice(0, pair.indexOf('=')).trim() === how.cookie);
    if (found === undefined) {
      const set = cookies.map((c) => c.slice(0, c.indexOf('='))).join(', ');
      throw new LoginError(`${what} answered ${res.status} without setting the cookie ${how.cookie}${set ? ` (it set ${set})` : ''}, so ${name} cannot be captured`);
    }
    value = found.slice(found.indexOf('=') + 1);
  }
  const ok = isValue(value) || (Array.isArray(value) && value.every(isValue));
  if (!ok) throw new LoginError(`${what}: ${name} is not a text, number or list of them (${excerpt(JSON.stringify(value))}); point the capture at a field inside it`);
  const list = Array.isArray(value) ? value : [value];
  // A line break would end a header early: the rest would go out as a header of its own.
  if (list.some((v) => typeof v === 'string' && /[\r\n]/.test(v))) throw new LoginError(`${what}: the captured ${name} contains a line break`);
  return value as TemplateValue | TemplateValue[];
}

/** Sends the login requests to the server at `url` (its base) in order; what they captured, by name. */
export async function logIn(url: string, steps: readonly LoginStep[]): Promise<Session> {
  const session: Session = {};
  for (const step of steps) {
    // A login step is a request like a scenario's, its templates filled from the earlier steps' captures.
    const request = requestPlan({ requests: [{ ...step, weight: 1 }], values: {}, seed: 1 }, session).next();
    const what = `login ${request.method} ${request.path}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(new URL(request.path, url), {
        method: request.method,
        headers: request.headers,
        ...(request.body !== '' && request.method !== 'GET' && request.method !== 'HEAD' ? { body: request.body } : {}),
        // A login that redirects sets its cookie on the redirect: read that answer, not the page after it.
        redirect: 'manual',
        signal: AbortSignal.timeout(LOGIN_TIMEOUT_MS),
      });
      text = await res.text();
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${LOGIN_TIMEOUT_MS / 1000} s` : ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
      throw new LoginError(`${what} failed: ${reason}`);
    }
    if (res.status >= 400) throw new LoginError(`${what} answered ${res.status}${text ? `: ${excerpt(text)}` : ''}`);
    for (const [name, how] of Object.entries(step.capture)) session[name] = capture(name, how, res, text, what);
  }
  return session;
}
