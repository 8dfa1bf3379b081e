import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseChildEnv, freePort, killAllServers, ServerStartError, startServer } from '../../src/bench/index.ts';
import type { ServerHandle } from '../../src/bench/index.ts';
import { isRunning, liveGroupMembers, makeAppDir, removeDir, sleep } from './fixtures.ts';

let dir: string;
const started: ServerHandle[] = [];

beforeAll(() => {
  dir = makeAppDir();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
afterAll(() => {
  killAllServers();
  removeDir(dir);
});

async function start(command: string, extra: Partial<Parameters<typeof startServer>[0]> = {}): Promise<ServerHandle> {
  const server = await startServer({
    command,
    cwd: dir,
    env: baseChildEnv(),
    readyPath: '/',
    readyTimeoutMs: 15_000,
    ...extra,
  });
  started.push(server);
  return server;
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  return res.json();
}

describe('freePort', () => {
  it('returns a port on 127.0.0.1 that can be bound right away', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise((r) => server.close(r));
  });
});

describe('startServer', () => {
  it('gives the server PORT and HOST and is ready when it answers', async () => {
    const server = await start('node echo-env.mjs');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const { env } = await getJson(server.url + '/');
    expect(env.PORT).toBe(String(server.port));
    expect(env.HOST).toBe('127.0.0.1');
    expect(server.exited).toBe(false);
    expect(server.outputTail()).toContain(`listening on ${server.port}`);
  });

  it('waits for a 2xx on the ready path, not just an open port', async () => {
    const t0 = Date.now();
    const server = await start('node late-ready.mjs');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    const res = await fetch(server.url + '/');
    expect(res.status).toBe(200);
  });

  it('passes only the environment it is given: no secrets of ours reach the server', async () => {
    process.env.GITHUB_TOKEN = 'ghp_shouldnotleak';
    process.env.BUMPBENCH_PRIVATE_KEY = 'pem';
    process.env.SOME_INNOCENT_VAR = 'inherited';
    try {
      const server = await start('node echo-env.mjs', { env: { ...baseChildEnv(), APP_MODE: 'bench' } });
      const { env } = await getJson(server.url + '/');
      expect(env.APP_MODE).toBe('bench');
      expect(env.PATH).toBe(process.env.PATH);
      expect(env.GITHUB_TOKEN).toBeUndefined();
      expect(env.BUMPBENCH_PRIVATE_KEY).toBeUndefined();
      expect(env.SOME_INNOCENT_VAR).toBeUndefined();
      expect(Object.keys(env).filter((k) => /TOKEN|SECRET|KEY|PASSWORD|PRIVATE/i.test(k))).toEqual([]);
    } finally {
      delete process.env.GITHUB_TOKEN;
      delete process.env.BUMPBENCH_PRIVATE_KEY;
      delete process.env.SOME_INNOCENT_VAR;
    }
  });

  it('baseChildEnv keeps PATH/HOME/LANG/TMPDIR and nothing that looks like a credential', () => {
    const env = baseChildEnv();
    expect(env.PATH).toBe(process.env.PATH);
    for (const name of Object.keys(env)) expect(['PATH', 'HOME', 'LANG', 'TMPDIR']).toContain(name);
  });

  it('throws ServerStartError with the last output lines when the command exits', async () => {
    const error = await startServer({
      command: 'node crash.mjs',
      cwd: dir,
      env: baseChildEnv(),
      readyPath: '/',
      readyTimeoutMs: 15_000,
      label: 'head',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerStartError);
    const e = error as ServerStartError;
    expect(e.reason).toBe('exited');
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('head server');
    expect(e.message).toContain('cannot find config file app.json');
    expect(e.message).toContain('starting up');
  });

  it('starts again on another port when a server in any language says its port is taken', async () => {
    // The first start fails the way Python's http.server does; the second one serves.
    writeFileSync(join(dir, 'taken-once.sh'), `if [ ! -e taken.marker ]; then touch taken.marker; echo "OSError: [Errno 98] Address already in use" >&2; exit 1; fi
exec node hello.mjs
`);
    const server = await start('sh taken-once.sh');
    const res = await fetch(server.url);
    expect(await res.text()).toBe('hello');
  });

  it('says which directory is missing when cwd does not exist', async () => {
    const error = await startServer({
      command: 'node hello.mjs',
      cwd: join(dir, 'no-such-dir'),
      env: baseChildEnv(),
      readyPath: '/',
      readyTimeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerStartError);
    expect((error as ServerStartError).reason).toBe('spawn');
    expect((error as ServerStartError).message).toContain('no-such-dir');
  });

  it('throws a timeout ServerStartError and kills the server when it never gets ready', async () => {
    const before = Date.now();
    const error = await startServer({
      command: 'exec node never-ready.mjs',
      cwd: dir,
      env: baseChildEnv(),
      readyPath: '/health',
      readyTimeoutMs: 1_500,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerStartError);
    const e = error as ServerStartError;
    expect(e.reason).toBe('timeout');
    expect(e.message).toContain('/health');
    expect(e.message).toContain('last status 404');
    expect(e.message).toMatch(/listening on \d+/);
    expect(Date.now() - before).toBeLessThan(10_000);
    const port = Number(/listening on (\d+)/.exec(e.message)![1]);
    // The server was killed: its port no longer answers.
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('stops waiting early when the server listens but answers 404 on the ready path', async () => {
    const before = Date.now();
    const error = await startServer({
      command: 'exec node never-ready.mjs', cwd: dir, env: baseChildEnv(), readyPath: '/health', readyTimeoutMs: 60_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerStartError);
    const e = error as ServerStartError;
    expect(e.reason).toBe('not-found');
    expect(e.message).toMatch(/answers 404 on GET \/health \(for 5 s\): it is listening on port \d+, but not at that path; set `ready` to a path it serves/);
    // Five seconds of 404s, not the minute of `ready.timeout`.
    expect(Date.now() - before).toBeLessThan(30_000);
  });

  it('runs the command under taskset when cpus is given', async () => {
    const server = await start('node echo-env.mjs', { cpus: '0' });
    const status = await import('node:fs').then((fs) => fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'));
    expect(/Cpus_allowed_list:\s*(\S+)/.exec(status)![1]).toBe('0');
  });

  it('stop() kills the whole group, grandchildren included, even one that ignores SIGTERM', async () => {
    const server = await start('node stubborn.mjs & node hello.mjs; wait');
    // Wait for the helper process to appear.
    let members: number[] = [];
    for (let i = 0; i < 100 && members.length < 3; i++) {
      members = liveGroupMembers(server.pid);
      if (members.length < 3) await sleep(50);
    }
    expect(members.length).toBeGreaterThanOrEqual(3); // sh, stubborn, hello
    await server.stop();
    expect(server.exited).toBe(true);
    expect(liveGroupMembers(server.pid)).toEqual([]);
    for (const pid of members) expect(isRunning(pid)).toBe(false);
    await expect(fetch(server.url + '/')).rejects.toThrow();
  });

  it('reports a server that crashes after start as exited', async () => {
    const server = await start('node hello.mjs');
    process.kill(server.pid, 'SIGKILL');
    for (let i = 0; i < 100 && !server.exited; i++) await sleep(20);
    expect(server.exited).toBe(true);
    expect(server.exitSignal).toBe('SIGKILL');
  });
});

describe('Ctrl-C of the CLI', () => {
  it('kills the server when the process that started it gets SIGINT', async () => {
    const serverModule = fileURLToPath(new URL('../../src/bench/server.ts', import.meta.url));
    const script = join(dir, 'cli-like.mts');
    writeFileSync(
      script,
      `import { startServer, baseChildEnv } from ${JSON.stringify(serverModule)};
const server = await startServer({ command: 'node hello.mjs & node stubborn.mjs; wait', cwd: ${JSON.stringify(dir)},
  env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 15000 });
console.log('READY ' + server.pid + ' ' + server.port);
setInterval(() => {}, 1000);
`,
    );
    const cli = spawn(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (c) => (out += c));
    cli.stderr.on('data', (c) => (out += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      cli.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      for (let i = 0; i < 300 && !/READY \d+/.test(out); i++) await sleep(50);
      const match = /READY (\d+) (\d+)/.exec(out);
      expect(match, out).not.toBeNull();
      const serverPid = Number(match![1]);
      expect(isRunning(serverPid)).toBe(true);
      // Wait for the stubborn helper to be up, so SIGKILL escalation is exercised too.
      for (let i = 0; i < 100 && liveGroupMembers(serverPid).length < 3; i++) await sleep(50);

      cli.kill('SIGINT');
      const result = await exited;
      expect(result.signal === 'SIGINT' || result.code === 130).toBe(true);
      expect(isRunning(serverPid)).toBe(false);
      expect(liveGroupMembers(serverPid)).toEqual([]);
    } finally {
      cli.kill('SIGKILL');
    }
  });
});
