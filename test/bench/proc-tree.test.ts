import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  baseChildEnv,
  clockTicksPerSecond,
  killAllServers,
  listTree,
  monitorTree,
  sampleTree,
  startServer,
} from '../../src/bench/index.ts';
import type { ServerHandle } from '../../src/bench/index.ts';
import { httpServerScript, liveGroupMembers, makeAppDir, removeDir, sleep } from './fixtures.ts';

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

async function start(command: string): Promise<ServerHandle> {
  const server = await startServer({ command, cwd: dir, env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 15_000 });
  started.push(server);
  return server;
}

/** Send `n` requests, `parallel` at a time. */
async function hammer(url: string, n: number, parallel = 4): Promise<void> {
  let left = n;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (left-- > 0) await (await fetch(url)).text();
    }),
  );
}

describe('proc-tree', () => {
  it('reads the clock tick rate', () => {
    expect(clockTicksPerSecond()).toBeGreaterThan(0);
  });

  it('listTree finds the shell, its children and grandchildren', async () => {
    const server = await start('sh -c "node stubborn.mjs; true" & node hello.mjs; wait');
    let tree: number[] = [];
    for (let i = 0; i < 100; i++) {
      tree = listTree(server.pid);
      if (tree.length >= 4) break;
      await sleep(50);
    }
    // sh, inner sh, stubborn (grandchild), hello
    expect(tree[0]).toBe(server.pid);
    expect(tree.length).toBeGreaterThanOrEqual(4);
    expect(new Set(tree)).toEqual(new Set(liveGroupMembers(server.pid)));
    expect(listTree(2 ** 22 + 12345)).toEqual([]); // above pid_max: never a process
  });

  it('sampleTree sums RSS over the live processes of the tree', async () => {
    const server = await start('node stubborn.mjs & node hello.mjs; wait');
    let sample = sampleTree(server.pid);
    for (let i = 0; i < 100 && sample.pids < 3; i++) {
      await sleep(50);
      sample = sampleTree(server.pid);
    }
    expect(sample.pids).toBe(3);
    // Two node processes: each well above 10 MiB resident, mostly anonymous memory.
    expect(sample.rssBytes).toBeGreaterThan(2 * 10 * 1024 * 1024);
    expect(sample.rssAnonBytes).toBeGreaterThan(0);
    expect(sample.rssAnonBytes).toBeLessThanOrEqual(sample.rssBytes);
  });

  it('monitorTree sees the CPU a busy server uses, and little for an idle one', async () => {
    const busy = await start('node cpu.mjs');
    const idle = await start('node hello.mjs');
    const busyMonitor = monitorTree(busy.pid, 100);
    const idleMonitor = monitorTree(idle.pid, 100);
    const t0 = Date.now();
    await hammer(busy.url + '/', 150); // ~3 ms of busy loop each: ≥ 0.45 s of server CPU
    const wall = (Date.now() - t0) / 1000;
    const busyUsage = busyMonitor.stop();
    const idleUsage = idleMonitor.stop();
    expect(busyUsage.cpuSeconds).toBeGreaterThan(0.3);
    expect(busyUsage.cpuSeconds).toBeLessThan(wall * 2 + 0.1); // 2 cores at most
    expect(busyUsage.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(busyUsage.peakRssAnonBytes).toBeGreaterThan(0);
    expect(idleUsage.cpuSeconds).toBeLessThan(busyUsage.cpuSeconds / 3);
    // stop() is idempotent.
    expect(busyMonitor.stop()).toEqual(busyUsage);
  });

  it('a thread that burns CPU and exits inside the window still counts (a thread per connection, a compiler thread)', async () => {
    // GET /burn starts a thread that burns 400 ms of CPU and ends; the server itself stays idle.
    const script = httpServerScript(
      `if (req.url === '/burn') new Worker("const e = Date.now() + 400; while (Date.now() < e);", { eval: true }).on('exit', () => res.end('done'));
       else res.end('ok');`,
      "import { Worker } from 'node:worker_threads';",
    );
    writeFileSync(path.join(dir, 'burn.mjs'), script);
    const server = await start('node burn.mjs');
    const monitor = monitorTree(server.pid, 100);
    expect(await (await fetch(server.url + '/burn')).text()).toBe('done');
    await sleep(300);
    const usage = monitor.stop();
    expect(usage.cpuSeconds).toBeGreaterThan(0.3);
  });

  it('CPU time is nanoseconds of every thread (schedstat), not 10 ms ticks', async () => {
    const server = await start('node cpu.mjs');
    await hammer(server.url + '/', 30);
    const sample = sampleTree(server.pid);
    // The same sum read independently: every thread of every process of the tree.
    let ns = 0;
    for (const pid of listTree(server.pid)) {
      for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    // Read a moment apart from an idle server: within 5 ms, and not a whole number of ticks.
    expect(Math.abs(sample.cpuSeconds - ns / 1e9)).toBeLessThan(0.005);
    expect(Number.isInteger(Math.round(sample.cpuSeconds * 1e6) / 1e4)).toBe(false);
  });

  it('monitorTree keeps the CPU measured so far when the server dies mid-run', async () => {
    const server = await start('node cpu.mjs');
    const monitor = monitorTree(server.pid, 50);
    await hammer(server.url + '/', 100);
    await sleep(120); // at least one sample after the load
    await server.stop();
    const usage = monitor.stop();
    expect(usage.cpuSeconds).toBeGreaterThan(0.2);
  });
});
