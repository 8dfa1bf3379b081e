// One GET helper for every registry: a timeout per request, the caller's abort signal, and failures as
// RegistryError naming the URL (never a bare "fetch failed").
import { RegistryError, type EcosystemContext } from '../types.ts';

export interface RegistryResponse {
  url: string;
  status: number;
  contentType: string;
  body: string;
}

/** GET url; 404 resolves (status 404) so callers can say "not found"; other HTTP errors throw. */
export async function registryGet(
  url: string,
  headers: Record<string, string>,
  ctx: Pick<EcosystemContext, 'signal' | 'timeoutMs'>,
): Promise<RegistryResponse> {
  const timeout = AbortSignal.timeout(ctx.timeoutMs ?? 30_000);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new RegistryError(`could not reach ${redactUrl(url)}: ${cause}`, redactUrl(url));
  }
  const body = await response.text();
  if (!response.ok && response.status !== 404) {
    throw new RegistryError(
      `GET ${redactUrl(url)} answered HTTP ${response.status}${response.status === 401 || response.status === 403 ? ' (check the registry credentials)' : ''}`,
      redactUrl(url),
      response.status,
    );
  }
  return { url: response.url || url, status: response.status, contentType: response.headers.get('content-type') ?? '', body };
}

/** The URL without user:password, for messages and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '';
    }
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
}

/** `${VAR}` references (as npm and pip expand them in their config files) from env; unknown ones stay. */
export function expandEnv(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => env[name] ?? whole);
}
