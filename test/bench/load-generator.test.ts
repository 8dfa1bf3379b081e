import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scenarioSchema } from '../../src/config/schema.ts';
import type { Scenario } from '../../src/config/schema.ts';
import {
  baseChildEnv,
  createLoadGenerator,
  killAllServers,
  LoadGeneratorError,
  startServer,
} from '../../src/bench/index.ts';
import type { LoadGenerator, ServerHandle } from '../../src/bench/index.ts';
import { isRunning, makeAppDir, removeDir } from './fixtures.ts';

let dir: string;
let generator: LoadGenerator;
const started: ServerHandle[] = [];

beforeAll(async () => {
  dir = makeAppDir();
  generator = await createLoadGenerator();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await generator?.close();
  killAllServers();
  removeDir(dir);
});

async function start(command: string, readyPath = '/'): Promise<ServerHandle> {
  const server = await startServer({ command, cwd: dir, env: baseChildEnv(), readyPath, readyTimeoutMs: 15_000 });
  started.push(server);
  return server;
}

function scenario(input: Record<string, unknown>): Scenario {
  return scenarioSchema.parse({ name: 'test', path: '/', duration: '1500ms', warmup: '300ms', ...input });
}

describe('load generator', () => {
  it('runs autocannon in a child process, not in ours', async () => {
    expect(generator.pid).toBeGreaterThan(0);
    expect(generator.pid).not.toBe(process.pid);
    expect(isRunning(generator.pid!)).toBe(true);
  });

  it('measures a 20 ms server with microsecond latencies and a consistent throughput', async () => {
    const server = await start('node slow.mjs');
    const connections = 4;
    const run = await generator.run(server.url, scenario({ connections }));

    expect(run.errors).toBe(0);
    expect(run.timeouts).toBe(0);
    expect(run.non2xx).toBe(0);
    // The scenario's 1.5 s, not rounded up to whole seconds, and without the 300 ms warm-up.
    expect(run.durationSec).toBeGreaterThan(1.4);
    expect(run.durationSec).toBeLessThan(1.8);
    expect(run.latencyUs.p50).toBeGreaterThan(15_000);
    expect(run.latencyUs.p50).toBeLessThan(60_000);
    expect(run.latencyUs.p90).toBeGreaterThanOrEqual(run.latencyUs.p50);
    expect(run.latencyUs.p99).toBeGreaterThanOrEqual(run.latencyUs.p90);
    // Not whole milliseconds: the histogram holds the float response times in µs.
    const all = [run.latencyUs.p50, run.latencyUs.p90, run.latencyUs.p99];
    expect(all.some((v) => v % 1000 !== 0)).toBe(true);
    // Closed loop: each connection does one request per latency, so throughput ≈ connections / mean latency.
    const expected = connections / (run.latencyUs.mean / 1e6);
    expect(run.throughput).toBeGreaterThan(expected * 0.6);
    expect(run.throughput).toBeLessThan(expected * 1.4);
    expect(run.throughput).toBeCloseTo(run.requests / run.durationSec, 6);
    // Warm-up responses are not counted: no more than the measured time allows at 20 ms per request.
    expect(run.requests).toBeLessThanOrEqual((connections / 0.02) * run.durationSec);
    expect(run.loadGenCpu).toBeGreaterThan(0);
    expect(run.loadGenCpu).toBeLessThan(1.5);
  });

  it('scales out to a spare CPU: the run is split between two workers and merged', async () => {
    const server = await start('node slow.mjs');
    const pool = await createLoadGenerator({ spareCpus: ['0'] });
    try {
      expect(pool.workers).toBe(1);
      expect(await pool.scaleOut()).toBe(true);
      expect(pool.workers).toBe(2);
      // Nothing spare left.
      expect(await pool.scaleOut()).toBe(false);
      const run = await pool.run(server.url, scenario({ connections: 4 }));
      expect(run.workers).toBe(2);
      expect(run.errors + run.timeouts + run.non2xx).toBe(0);
      // Four connections in all against a 20 ms server, as with one worker.
      expect(run.throughput).toBeGreaterThan(4 / 0.06);
      expect(run.throughput).toBeLessThan(4 / 0.02 * 1.2);
      expect(run.latencyUs.p50).toBeGreaterThan(15_000);
      expect(run.latencyUs.p50).toBeLessThan(60_000);
    } finally {
      await pool.close();
    }
  });

  it('counts responses per bucket of the monotonic clock when asked (what observe runs put calls per request by)', async () => {
    const server = await start('node slow.mjs');
    const before = Number(process.hrtime.bigint() / 1_000_000n);
    const run = await generator.run(server.url, scenario({ connections: 2 }), { bucketMs: 100 });
    const after = Number(process.hrtime.bigint() / 1_000_000n);
    const buckets = run.completions!;
    expect(buckets.reduce((a, [, n]) => a + n, 0)).toBe(run.requests);
    for (const [bucket] of buckets) {
      expect(bucket).toBeGreaterThanOrEqual(Math.floor(before / 100));
      expect(bucket).toBeLessThanOrEqual(Math.floor(after / 100));
    }
    // 1.5 s of responses at 20 ms each: about 15 buckets, each with responses.
    expect(buckets.length).toBeGreaterThanOrEqual(13);
    expect((await generator.run(server.url, scenario({ connections: 1, duration: '300ms', warmup: 0 }))).completions).toBeUndefined();
  });

  it('counts non-2xx responses, unless the scenario expects that status', async () => {
    const server = await start('node error.mjs', '/health');
    const failing = await generator.run(server.url, scenario({ connections: 2, duration: '1s', warmup: 0 }));
    expect(failing.requests).toBeGreaterThan(0);
    expect(failing.non2xx).toBe(failing.requests);

    const expected = await generator.run(server.url, scenario({ connections: 2, duration: '1s', warmup: 0, expectStatus: [500] }));
    expect(expected.requests).toBeGreaterThan(0);
    expect(expected.non2xx).toBe(0);
  });

  it('sends the scenario method, path, headers and body, and keeps the warm-up out of the counts', async () => {
    const server = await start('node record.mjs', '/last');
    const run = await generator.run(
      server.url,
      scenario({
        method: 'POST',
        path: '/items?x=1',
        headers: { 'x-bench': 'yes', 'content-type': 'application/json' },
        body: '{"a":1}',
        duration: '1s',
        warmup: '500ms',
        connections: 1,
      }),
    );
    expect(run.requests).toBeGreaterThan(0);
    expect(run.errors + run.non2xx + run.timeouts).toBe(0);
    const seen = await (await fetch(server.url + '/last')).json();
    expect(seen).toMatchObject({ method: 'POST', url: '/items?x=1', header: 'yes', body: '{"a":1}' });
    // The server answered the warm-up too (about a third of all requests); the run counts only its own.
    expect(seen.count).toBeGreaterThan(run.requests * 1.2);
  });

  it('counts connection errors when the server is gone', async () => {
    const server = await start('node hello.mjs');
    await server.stop();
    const run = await generator.run(server.url, scenario({ connections: 1, duration: '500ms', warmup: 0 }));
    expect(run.errors).toBeGreaterThan(0);
    expect(run.requests).toBe(0);
  });

  it('rejects a run when the child dies, and starts a new child for the next run', async () => {
    const server = await start('node slow.mjs');
    const firstPid = generator.pid!;
    const pending = generator.run(server.url, scenario({ connections: 1, duration: '2s', warmup: 0 }));
    setTimeout(() => process.kill(firstPid, 'SIGKILL'), 400);
    await expect(pending).rejects.toBeInstanceOf(LoadGeneratorError);
    await expect(pending).rejects.toThrow(/died/);

    const next = await generator.run(server.url, scenario({ connections: 1, duration: '500ms', warmup: 0 }));
    expect(next.requests).toBeGreaterThan(0);
    expect(generator.pid).not.toBe(firstPid);
  });

  it('bounds a run: a hung child is killed, the run rejects, and the next run gets a new child', async () => {
    const bounded = await createLoadGenerator({ runSlackMs: 500 });
    try {
      const server = await start('node hello.mjs');
      const hungPid = bounded.pid!;
      process.kill(hungPid, 'SIGSTOP'); // the child can no longer answer
      const t0 = Date.now();
      await expect(bounded.run(server.url, scenario({ connections: 1, duration: '500ms', warmup: 0 }))).rejects.toThrow(
        /did not finish within 1000 ms/,
      );
      expect(Date.now() - t0).toBeLessThan(5_000);
      for (let i = 0; i < 50 && isRunning(hungPid); i++) await new Promise((r) => setTimeout(r, 20));
      expect(isRunning(hungPid)).toBe(false);
      const next = await bounded.run(server.url, scenario({ connections: 1, duration: '500ms', warmup: 0 }));
      expect(next.requests).toBeGreaterThan(0);
    } finally {
      await bounded.close();
    }
  });

  it('pins the child with taskset when cpus is given, and close() kills it', async () => {
    const pinned = await createLoadGenerator({ cpus: '1' });
    try {
      const { readFileSync } = await import('node:fs');
      const status = readFileSync(`/proc/${pinned.pid}/status`, 'utf8');
      expect(/Cpus_allowed_list:\s*(\S+)/.exec(status)![1]).toBe('1');
      const server = await start('node hello.mjs');
      const run = await pinned.run(server.url, scenario({ connections: 2, duration: '500ms', warmup: 0 }));
      expect(run.requests).toBeGreaterThan(0);
    } finally {
      const pid = pinned.pid!;
      await pinned.close();
      expect(isRunning(pid)).toBe(false);
    }
  });

  it('holds on to a long-lived signal only while it lives: an abort kills its child, a close lets go of the signal', async () => {
    const { EventEmitter } = await import('node:events');
    const getEventListeners = EventEmitter.getEventListeners;
    const shared = new AbortController();
    const server = await start('node hello.mjs');
    // A worker's or a benchmark's signal outlives many jobs' generators.
    for (let i = 0; i < 3; i++) {
      const job = await createLoadGenerator({ signal: shared.signal });
      const run = await job.run(server.url, scenario({ connections: 1, duration: '200ms', warmup: 0 }));
      expect(run.requests).toBeGreaterThan(0);
      await job.close();
    }
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    const live = await createLoadGenerator({ signal: shared.signal });
    const pid = live.pid!;
    shared.abort(new Error('job cancelled'));
    await expect.poll(() => isRunning(pid), { timeout: 5_000 }).toBe(false);
    await expect(live.run(server.url, scenario({ connections: 1, duration: '200ms', warmup: 0 }))).rejects.toThrow();
  });
});
