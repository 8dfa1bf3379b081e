// The sandbox with real bubblewrap: what a command from the repository under test can and cannot do.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, Sandbox, type CommandSpec } from '../../src/sandbox/sandbox.ts';
import { sandboxSupport } from '../../src/sandbox/support.ts';
import { tempDir } from '../helpers/git-repo.ts';

const support = sandboxSupport();
const root = tempDir('bumpbench-sandbox-');
const worktree = path.join(root, 'work', 'side');
const cacheEntry = path.join(root, 'cache', 'entry');
const secretFile = path.join(root, 'secret.pem');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

let registry: Server;
let other: Server;
let registryPort: number;
let otherPort: number;
let sandbox: Sandbox;

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

function spec(command: string, phase: CommandSpec['phase'] = 'build'): CommandSpec & { deadlineMs: number } {
  return { command, cwd: worktree, env, phase, writable: [worktree], readOnly: [cacheEntry], deadlineMs: 30_000 };
}

beforeAll(async () => {
  mkdirSync(worktree, { recursive: true });
  mkdirSync(cacheEntry, { recursive: true });
  writeFileSync(path.join(cacheEntry, 'lib.js'), 'module.exports = 1;\n');
  writeFileSync(secretFile, 'PRIVATE KEY\n');
  chmodSync(secretFile, 0o600);
  registry = createServer((req, res) => res.end(`registry ${req.url}`));
  other = createServer((_req, res) => res.end('internal service'));
  registryPort = await listen(registry);
  otherPort = await listen(other);
  sandbox = new Sandbox({
    enabled: true, scratchDir: path.join(root, 'scratch'), network: 'loopback',
    allowHosts: [`127.0.0.1:${registryPort}`], readOnly: [], limits: DEFAULT_LIMITS,
  });
  await sandbox.handOver(worktree);
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise((r) => registry?.close(r));
  await new Promise((r) => other?.close(r));
});

describe.runIf(support.ok)('the sandbox', () => {
  it('runs as another uid, in its own PID namespace, seeing none of our files or processes', async () => {
    const r = await sandbox.run(spec(
      `id -u; ls /proc | grep -c '^[0-9]'; cat ${secretFile} 2>&1; ls ${root} 2>&1; cat /proc/${process.pid}/environ 2>&1; echo home=$HOME`,
    ));
    expect(r.code, r.output).toBe(0);
    const lines = r.output.trim().split('\n');
    expect(Number(lines[0])).not.toBe(process.getuid!());
    expect(Number(lines[1])).toBeLessThan(10); // bwrap's init, the shell, ls, grep
    expect(r.output).not.toContain('PRIVATE KEY');
    expect(r.output).toContain(`cat: ${secretFile}: No such file or directory`); // not even there
    expect(r.output).toContain(`cat: /proc/${process.pid}/environ: No such file or directory`);
    expect(r.output).toContain('home=/home/bumpbench');
  });

  it('writes its worktree only: the cache entry is read-only, and its temp files go with it', async () => {
    const r = await sandbox.run(spec(
      `echo made > made.txt && echo tmp > /tmp/left && echo shm > /dev/shm/left && echo x > ${cacheEntry}/lib.js; echo rc=$?; cat /dev/shm/left`,
    ));
    expect(r.output).toMatch(/Read-only file system/);
    expect(r.output).toContain('shm');
    expect(readFileSync(path.join(cacheEntry, 'lib.js'), 'utf8')).toBe('module.exports = 1;\n');
    expect(existsSync(path.join(worktree, 'made.txt'))).toBe(true);
    expect(readdirSync('/tmp')).not.toContain('left');
    expect(readdirSync('/dev/shm')).not.toContain('left');
  });

  it('kills a setsid daemon when the command ends, and a command at its deadline', async () => {
    const marker = `bbdaemon${process.pid}`;
    const r = await sandbox.run(spec(`(setsid sh -c 'exec -a ${marker} sleep 300' &) ; sleep 0.2; echo started`));
    expect(r.output).toContain('started');
    expect(livePids(marker)).toEqual([]);

    const started = Date.now();
    const slow = await sandbox.run({ ...spec('sleep 30'), deadlineMs: 500 });
    expect(slow.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('lets an install reach an allowed registry through the proxy and nothing else', async () => {
    const r = await sandbox.run(spec(
      `curl -s http://127.0.0.1:${registryPort}/pkg; echo; curl -s http://127.0.0.1:${otherPort}/; echo; ` +
        `curl -s --noproxy '*' -m 2 http://127.0.0.1:${otherPort}/ || echo direct-refused`,
      'install',
    ));
    expect(r.output).toContain('registry /pkg');
    expect(r.output).not.toContain('internal service');
    expect(r.output).toContain('direct-refused');
    expect(r.refusedHosts).toEqual([`127.0.0.1:${otherPort}`]);
  });

  it('runs a server in the job network: reachable by the prober, not from the host', async () => {
    const plan = await sandbox.plan({
      ...spec(`exec node -e "require('http').createServer((q, s) => s.end('up')).listen(${otherPort}, '127.0.0.1')"`, 'serve'),
    });
    const child = spawn(plan.file, plan.args, { cwd: plan.cwd, env: plan.env, stdio: 'ignore', detached: true });
    try {
      let status: number | null = null;
      for (let i = 0; i < 100 && status === null; i++) {
        status = await sandbox.probe(`http://127.0.0.1:${otherPort}/`, 500);
        if (status === null) await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe(200);
      // The same port on the host is the host's own server: a different service.
      expect(await (await fetch(`http://127.0.0.1:${otherPort}/`)).text()).toBe('internal service');
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
      await plan.release();
    }
  });
});

describe.runIf(support.ok)('the sandbox with `network: host`', () => {
  it("gives install and server the machine's network, unfiltered", async () => {
    const host = new Sandbox({ enabled: true, scratchDir: path.join(root, 'host-net'), network: 'host', allowHosts: [], readOnly: [], limits: DEFAULT_LIMITS });
    try {
      const r = await host.run(spec(`curl -s -m 2 http://127.0.0.1:${otherPort}/`, 'install'));
      expect(r.output).toContain('internal service');
      expect(await host.networkPrefix()).toEqual([]);
    } finally {
      await host.close();
    }
  });
});

describe('without a sandbox', () => {
  it('runs the command plainly in its directory, with exactly the environment given', async () => {
    const plain = new Sandbox({ enabled: false, scratchDir: path.join(root, 'plain'), network: 'loopback', allowHosts: [], readOnly: [], limits: DEFAULT_LIMITS });
    const r = await plain.run({ ...spec('pwd; echo "v=$ONLY"'), env: { ...env, ONLY: 'this' } });
    expect(r.output).toContain(worktree);
    expect(r.output).toContain('v=this');
  });
});

function livePids(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      if (cmd.includes(marker)) found.push(Number(pid));
    } catch {
      /* gone */
    }
  }
  return found;
}
