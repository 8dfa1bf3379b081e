// Requests like real traffic against a real server, through the real load generator (autocannon in its
// child process): a login whose token, header and cookie feed every later request, ids drawn per request,
// a weighted mix with a JSON body; and a login that fails says what came back.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseChildEnv, createLoadGenerator, killAllServers, LoginError, startServer } from '../../src/bench/index.ts';
import type { LoadGenerator, ServerHandle } from '../../src/bench/index.ts';
import { validateConfig } from '../../src/config/load.ts';
import { warmUp } from '../../src/bench/warmup.ts';
import { LOGIN_APP_SERVER, loginAppLogin, loginAppScenarios } from '../helpers/login-app.ts';
import { makeAppDir, removeDir } from './fixtures.ts';

let dir: string;
let load: LoadGenerator;
let server: ServerHandle;

const config = (password?: string) => validateConfig({ start: 'node server.cjs', ...parse(`${loginAppLogin(password)}${loginAppScenarios()}`) });

beforeAll(async () => {
  dir = makeAppDir();
  writeFileSync(join(dir, 'server.cjs'), LOGIN_APP_SERVER);
  // One spare CPU list, so the pool can scale out to a second worker (as it does when a run is generator-bound).
  load = await createLoadGenerator({ spareCpus: ['0'] });
  server = await startServer({ command: 'node server.cjs', cwd: dir, env: baseChildEnv(), readyPath: '/health', readyTimeoutMs: 15_000 });
});

afterAll(async () => {
  await server?.stop();
  await load?.close();
  killAllServers();
  removeDir(dir);
});

const stats = async () => (await fetch(`${server.url}/stats`)).json() as Promise<{ ids: number; reads: number; writes: number; refused: number; logins: number }>;

describe('requests like real traffic', () => {
  it('logs in once, then reads varied ids with the captured token, header and cookie: no failed request', async () => {
    const { login, scenarios } = config();
    const session = await load.login(server.url, login!);
    expect(Object.keys(session).sort()).toEqual(['session', 'sid', 'token']);
    expect(session.session).toBe(`sid-${String(session.token).slice(0, 6)}`);

    const items = scenarios.find((s) => s.name === 'items')!;
    const warm = await warmUp(load, server.url, items, { session });
    expect(warm.seconds).toBeGreaterThan(0);
    const run = await load.run(server.url, { ...items, warmup: 0 }, { session });
    expect({ errors: run.errors, timeouts: run.timeouts, non2xx: run.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
    expect(run.requests).toBeGreaterThan(300);
    const after = await stats();
    expect(after.logins).toBe(1);
    expect(after.refused).toBe(0);
    // Drawn per request over 1..300: nearly every id was asked for.
    expect(after.ids).toBeGreaterThan(250);
  });

  it('a 3:1 mix of reads and JSON writes, split over two workers, keeps its proportions and fails nothing', async () => {
    const { login, scenarios } = config();
    const session = await load.login(server.url, login!);
    // A second worker (the pool scaled out): connections and draws are split between them.
    expect(await load.scaleOut()).toBe(true);
    expect(load.workers).toBe(2);
    const before = await stats();
    const run = await load.run(server.url, { ...scenarios.find((s) => s.name === 'mix')!, warmup: 0 }, { session });
    const after = await stats();
    expect({ errors: run.errors, timeouts: run.timeouts, non2xx: run.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
    const reads = after.reads - before.reads;
    const writes = after.writes - before.writes;
    // The server also answered what was in flight when the run ended (at most one per connection), uncounted.
    expect(reads + writes - run.requests).toBeGreaterThanOrEqual(0);
    expect(reads + writes - run.requests).toBeLessThanOrEqual(4);
    expect(writes / run.requests).toBeGreaterThan(0.18);
    expect(writes / run.requests).toBeLessThan(0.32);
  });

  it('a login that is refused fails with what the server answered', async () => {
    const error = await load.login(server.url, config('wrong').login!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoginError);
    expect((error as Error).message).toBe('login POST /login answered 401: {"error":"wrong user or password"}');
  });

  it('a captured field that is not there names the path and what the answer has', async () => {
    const { login } = validateConfig({
      start: 'x', login: { path: '/login', body: { user: 'bench', password: 'secret' }, capture: { token: { json: 'token' } } }, scenarios: [{ name: 'a', path: '/' }],
    });
    await expect(load.login(server.url, login!)).rejects.toThrow('login POST /login answered 200 without token in its JSON, so token cannot be captured; its top-level fields are data');
  });
});
