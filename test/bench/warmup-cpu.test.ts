// The warm-up waits for CPU per request to settle, not only throughput: a server that is not the bottleneck
// (it waits on a timer here, as json-server waits on I/O) answers as fast while a JIT still compiles on its
// background threads, but each request costs more CPU until it is done, and a measured run that starts
// then counts that work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseChildEnv, createLoadGenerator, killAllServers, sampleTree, startServer } from '../../src/bench/index.ts';
import type { LoadGenerator, ServerHandle } from '../../src/bench/index.ts';
import { warmUp } from '../../src/bench/warmup.ts';
import { scenarioSchema } from '../../src/config/schema.ts';
import { httpServerScript, makeAppDir, removeDir } from './fixtures.ts';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

// Every answer waits 10 ms (a server that is not the bottleneck); meanwhile a background thread burns CPU
// that falls from half a core to nothing over the first 3 s, as a JIT's compiler threads do. Throughput
// stays put (the timer decides it); CPU per request starts several times higher than where it ends.
const COMPILER = `const { performance } = require('node:perf_hooks');
const started = Date.now();
const sleeper = new Int32Array(new SharedArrayBuffer(4));
for (let t = 0; t < 3000; t = Date.now() - started) {
  const duty = 0.5 * (1 - t / 3000);
  const end = performance.now() + 10 * duty;
  while (performance.now() < end);
  Atomics.wait(sleeper, 0, 0, 10 * (1 - duty));
}`;
const COLD_SERVER = httpServerScript(
  `setTimeout(() => res.end('ok'), 10);`,
  `import { Worker } from 'node:worker_threads';\nnew Worker(${JSON.stringify(COMPILER)}, { eval: true });`,
);

let dir: string;
let generator: LoadGenerator;
const servers: ServerHandle[] = [];

beforeAll(async () => {
  dir = makeAppDir();
  writeFileSync(path.join(dir, 'cold.mjs'), COLD_SERVER);
  generator = await createLoadGenerator();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await generator?.close();
  killAllServers();
  removeDir(dir);
});

async function coldServer(): Promise<ServerHandle> {
  // Readiness on a path the handler also answers; the clock starts at the first request, which is the readiness check.
  const server = await startServer({ command: 'node cold.mjs', cwd: dir, env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 15_000 });
  servers.push(server);
  return server;
}

const scenario = scenarioSchema.parse({ name: 'cold', path: '/', warmup: '1s', warmupMax: '8s', connections: 4 });

describe('warm-up', () => {
  it('keeps going while CPU per request still falls, though throughput has settled', async () => {
    const server = await coldServer();
    const warm = await warmUp(generator, server.url, scenario, { cpuSeconds: () => sampleTree(server.pid).cpuSeconds });
    expect(warm.settled).toBe(true);
    // Well past the 1 s minimum (the rule reads a steady decline against its own noise, so not to the end).
    expect(warm.seconds).toBeGreaterThan(1.8);
    expect(warm.cpuPerRequest).toHaveLength(warm.throughputs.length);
    const first = warm.cpuPerRequest[0];
    const last = warm.cpuPerRequest.at(-1)!;
    expect(last).toBeLessThan(first / 2);
  });

  it('a first-scenario floor: a server busy on every request reaches its CPU early, one that waits takes the time', async () => {
    const floor = { ms: 3_000, cpuSeconds: 0.6 };
    // About 3 ms of CPU per request with 4 connections: the server is busy all the time (a core's worth).
    const busy = await startServer({ command: 'node cpu.mjs', cwd: dir, env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 15_000 });
    servers.push(busy);
    const cpuBefore = sampleTree(busy.pid).cpuSeconds;
    const fast = await warmUp(generator, busy.url, scenario, { floor, cpuSeconds: () => sampleTree(busy.pid).cpuSeconds });
    expect(fast.settled).toBe(true);
    expect(sampleTree(busy.pid).cpuSeconds - cpuBefore).toBeGreaterThanOrEqual(0.6);
    expect(fast.seconds).toBeLessThan(2.5);
    // A server that waits 20 ms per answer spends almost no CPU: the floor's time decides.
    const idle = await startServer({ command: 'node slow.mjs', cwd: dir, env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 15_000 });
    servers.push(idle);
    const slow = await warmUp(generator, idle.url, scenario, { floor, cpuSeconds: () => sampleTree(idle.pid).cpuSeconds });
    expect(slow.settled).toBe(true);
    expect(slow.seconds).toBeGreaterThanOrEqual(3);
  });

  it('judged on throughput alone, it stops at the minimum, cold', async () => {
    const server = await coldServer();
    const warm = await warmUp(generator, server.url, scenario);
    expect(warm.settled).toBe(true);
    expect(warm.seconds).toBeLessThan(1.6);
    expect(warm.cpuPerRequest).toEqual([]);
  });
});
