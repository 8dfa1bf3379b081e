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
// that falls from 80% of a core to nothing over the first 3 s, as a JIT's compiler threads do. Throughput
// stays put (the timer decides it); CPU per request starts several times higher than where it ends.
const COMPILER = `const { performance } = require('node:perf_hooks');
const started = Date.now();
const sleeper = new Int32Array(new SharedArrayBuffer(4));
for (let t = 0; t < 3000; t = Date.now() - started) {
  const duty = 0.8 * (1 - t / 3000);
  const end = performance.now() + 10 * duty;
  while (performance.now() < end);
  Atomics.wait(sleeper, 0, 0, 10 * (1 - duty));
}`;
const COLD_SERVER = httpServerScript(
  `setTimeout(() => res.end('ok'), 10);`,
  `import { Worker } from 'node:worker_threads';\nnew Worker(${JSON.stringify(COMPILER)}, { eval: true });`,
);

// The same wait on every answer, no background work: warm from the first request.
const WARM_SERVER = httpServerScript(`setTimeout(() => res.end('ok'), 10);`);

let dir: string;
let generator: LoadGenerator;
const servers: ServerHandle[] = [];

beforeAll(async () => {
  dir = makeAppDir();
  writeFileSync(path.join(dir, 'cold.mjs'), COLD_SERVER);
  writeFileSync(path.join(dir, 'warm.mjs'), WARM_SERVER);
  generator = await createLoadGenerator();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await generator?.close();
  killAllServers();
  removeDir(dir);
});

async function coldServer(script = 'cold.mjs'): Promise<ServerHandle> {
  // Readiness on a path the handler also answers; the clock starts at the first request, which is the readiness check.
  const server = await startServer({ command: `node ${script}`, cwd: dir, env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 15_000 });
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

  it('judged on throughput alone, it stops at the minimum, cold', async () => {
    const server = await coldServer();
    const warm = await warmUp(generator, server.url, scenario);
    expect(warm.settled).toBe(true);
    expect(warm.seconds).toBeLessThan(1.6);
    expect(warm.cpuPerRequest).toEqual([]);
  });

  it("a floor in time (Node's first scenario) lasts at least that long, in the scenario's own short slices", async () => {
    const server = await coldServer('warm.mjs');
    const warm = await warmUp(generator, server.url, scenario, { minMs: 2_500, cpuSeconds: () => sampleTree(server.pid).cpuSeconds });
    expect(warm.settled).toBe(true);
    expect(warm.seconds).toBeGreaterThanOrEqual(2.5);
    // A steady server: the rule may stop it right at the floor, so it does not run to the 8 s bound.
    expect(warm.seconds).toBeLessThan(5);
    // 167 ms slices (1 s in six), not the floor in six: the trend rule judges the last second, not the last 1.5 s.
    expect(warm.throughputs.length).toBeGreaterThanOrEqual(10);
  });
});
