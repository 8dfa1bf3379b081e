// The fleet when things break, against a real redis-server with stand-in engines: a runner that dies
// mid-run is replaced by another and the App gets one result; a Redis restart that loses every key loses
// no job; a soak's ledger in Redis is read back only where its signatures hold.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFleetDispatcher, startFleetRunner, type FleetRunner } from '../../src/jobs/fleet.ts';
import { FleetKey } from '../../src/jobs/fleet-key.ts';
import { RedisSoakLedger } from '../../src/jobs/fleet-soak-ledger.ts';
import type { JobRequest, JobResult } from '../../src/model.ts';
import type { RunJobOptions } from '../../src/pipeline/run-job.ts';
import { tempDir } from '../helpers/git-repo.ts';
import { startRedis, type LocalRedis } from '../helpers/redis.ts';
import { fakeResult } from './helpers.ts';

const KEY = FleetKey.from('c'.repeat(64));
const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const request: JobRequest = { kind: 'compare', repo: 'https://github.com/octo/app.git', base: { ref: 'main', sha: BASE }, head: { ref: 'bump', sha: HEAD } };
const result = (): JobResult => ({ ...fakeResult('unchanged', HEAD), base: { ref: 'main', sha: BASE } });

let redis: LocalRedis;
const closers: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  const r = new Redis(redis.url);
  await r.flushall();
  r.disconnect();
});

afterAll(() => redis?.stop());

const quiet = { info: () => {}, warn: () => {} };

function runner(engine: (request: JobRequest, options: RunJobOptions) => Promise<JobResult>, runs: string[] = []): FleetRunner {
  const r = startFleetRunner({
    redisUrl: redis.url, key: KEY, dataDir: tempDir('bumpbench-fleet-faults-'), runJob: engine, cancelCheckMs: 100, lockMs: 1000,
    log: { info: (obj, msg) => void (msg === 'fleet run started' && runs.push((obj as { fleetRun: string }).fleetRun)), warn: () => {} },
  });
  closers.push(() => r.close());
  return r;
}

describe('fleet faults', () => {
  it('a runner that dies mid-run is replaced: another runner finishes it and the App gets one result', async () => {
    const d = await createFleetDispatcher({ redisUrl: redis.url, key: KEY, log: quiet, watchMs: 500 });
    closers.push(() => d.close());
    const firstRuns: string[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    // The first runner takes the run and hangs in its engine; then it "dies": its BullMQ worker stops
    // renewing the lock (what a killed process does).
    const doomed = runner(async () => {
      started();
      return new Promise<JobResult>(() => {});
    }, firstRuns);
    const execution = d.execute(request, { dataDir: 'x' }, {});
    await running;
    await doomed.close();
    const secondRuns: string[] = [];
    runner(async () => result(), secondRuns);
    const started2 = Date.now();
    const got = await execution;
    expect(got.verdict).toBe('unchanged');
    expect(secondRuns).toEqual(firstRuns); // the same fleet run, taken over
    expect(Date.now() - started2).toBeLessThan(15_000);
  }, 30_000);

  it('a Redis restart that loses every key loses no job: the App queues the run again and gets its result', async () => {
    const d = await createFleetDispatcher({ redisUrl: redis.url, key: KEY, log: quiet, watchMs: 300 });
    closers.push(() => d.close());
    let calls = 0;
    let firstStarted!: () => void;
    const started = new Promise<void>((resolve) => (firstStarted = resolve));
    runner(async (_req, options) => {
      calls += 1;
      if (calls === 1) {
        firstStarted();
        // Runs until told to stop: after the restart its lock is gone, so the runner stops it.
        await new Promise((resolve) => options.signal?.addEventListener('abort', resolve, { once: true }));
        throw new Error('stopped');
      }
      return result();
    });
    const execution = d.execute(request, { dataDir: 'x' }, {});
    await started;
    await redis.restart();
    const got = await execution;
    expect(got.verdict).toBe('unchanged');
    expect(calls).toBe(2);
  }, 60_000);

  it("keeps a soak's samples in Redis signed, and reads back only what verifies", async () => {
    const r = new Redis(redis.url);
    closers.push(() => r.disconnect());
    const ledger = new RedisSoakLedger(r, KEY, 'job-9-1');
    const checkpoint = { identity: 'x', lives: [{ segment: 0, startSec: 0, startedAt: 1, gapSec: 0, requests: { base: 1, head: 2 }, failedRequests: { base: 0, head: 0 }, loadSec: { base: 1, head: 1 } }] };
    await ledger.save(checkpoint);
    ledger.add({ side: 'base', segment: 0, tSec: 1, bytes: 100, at: 5 });
    ledger.add({ side: 'head', segment: 0, tSec: 1, bytes: 200, at: 5 });
    await ledger.flush();
    // Someone with Redis access adds a sample of their own.
    await r.rpush('bumpbench:soak:job-9-1:samples', JSON.stringify({ payload: JSON.stringify({ side: 'head', segment: 0, tSec: 2, bytes: 1e12, at: 6 }), mac: '0'.repeat(64) }));
    const read = await new RedisSoakLedger(r, KEY, 'job-9-1').read();
    expect(read!.checkpoint).toEqual(checkpoint);
    expect(read!.samples.map((s) => s.bytes)).toEqual([100, 200]);
    // Another soak's key, or another fleet key, reads nothing.
    expect(await new RedisSoakLedger(r, FleetKey.from('d'.repeat(64)), 'job-9-1').read()).toBeNull();
    await ledger.clear();
    expect(await ledger.read()).toBeNull();
  });
});
