// The runner fleet over a real Redis: the App side hands a signed run to BullMQ, runners' engines (real
// compares of a real app) measure it, and signed progress, results, errors and cancels travel back.
// (The refusals of unsigned jobs and forged results are in test/jobs/fleet.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetDispatcher, startFleetRunner, type FleetDispatcher, type FleetRunner } from '../../src/jobs/fleet.ts';
import { FleetKey } from '../../src/jobs/fleet-key.ts';
import type { JobRequest, ProgressEvent } from '../../src/model.ts';
import { CancelledError, UserFacingError } from '../../src/pipeline/errors.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { cpuAppConfig, cpuAppFiles } from '../helpers/cpu-app.ts';
import { commitOnBranch, createRepo, tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';
import { startRedis, type LocalRedis } from '../helpers/redis.ts';

const key = FleetKey.from('f'.repeat(64));
let redis: LocalRedis;
let dispatcher: FleetDispatcher;
const runners: { runner: FleetRunner; dataDir: string; runs: string[] }[] = [];

function addRunner(): void {
  const dataDir = tempDir('bumpbench-runner-');
  const runs: string[] = [];
  const runner = startFleetRunner({
    redisUrl: redis.url, key, dataDir, runJob, cancelCheckMs: 200,
    log: { info: (obj, msg) => void (msg === 'fleet run started' && runs.push(String((obj as { fleetRun: string }).fleetRun))), warn: () => {} },
  });
  runners.push({ runner, dataDir, runs });
}

beforeAll(async () => {
  redis = await startRedis();
  dispatcher = await createFleetDispatcher({ redisUrl: redis.url, key });
  addRunner();
  addRunner();
}, 30_000);

afterAll(async () => {
  for (const r of runners) await r.runner.close();
  await dispatcher?.close();
  await redis?.stop();
});

const quick = cpuAppConfig({ min: 3, max: 3, duration: '500ms' });
const request = (repo: string, head = 'head'): JobRequest => ({ kind: 'compare', repo, base: { ref: 'main' }, head: { ref: head } });

describe('runner fleet (BullMQ on a real Redis)', () => {
  it('runs two jobs at once on two runners and brings back progress and results', async () => {
    const repo = createRepo(cpuAppFiles(300_000, quick));
    commitOnBranch(repo, 'head', { 'work.json': JSON.stringify({ work: 900_000 }) }, 'three times the work');
    const progress: ProgressEvent[][] = [[], []];
    const [a, b] = await Promise.all([0, 1].map((i) =>
      dispatcher.execute(request(repo), { dataDir: '/nonexistent-on-the-app-side', onProgress: (e) => progress[i].push(e) }, {})));
    for (const result of [a, b]) {
      expect(result.kind).toBe('compare');
      // 3 pairs are too few for a verdict (Mann-Whitney's smallest p at 3 vs 3 is 0.1); the measured
      // figures still show what the runner saw: three times the work per request on /work, not on /other.
      const work = result.scenarios.find((s) => s.name === 'work')!;
      expect(work.pairs).toBe(3);
      expect(work.metrics.cpu_per_request!.ratio).toBeGreaterThan(2);
      expect(result.scenarios.find((s) => s.name === 'other')!.metrics.cpu_per_request!.ratio).toBeLessThan(1.5);
    }
    // Each runner took one (concurrency 1 each), and the runs happened in their data dirs, not the App's.
    expect(runners.map((r) => r.runs.length)).toEqual([1, 1]);
    for (const events of progress) {
      expect(events[0].message).toMatch(/waiting for a free runner/);
      expect(events.some((e) => /pair 3 of 3 done/.test(e.message))).toBe(true);
    }
  }, 180_000);

  it('cancels a running job: the runner stops it and leaves no server behind', async () => {
    const repo = createRepo(cpuAppFiles(300_000, cpuAppConfig({ min: 20, max: 20, duration: '1s' })));
    commitOnBranch(repo, 'head', { 'work.json': JSON.stringify({ work: 330_000 }) }, 'a little more work');
    const abort = new AbortController();
    const running = dispatcher.execute(request(repo), {
      dataDir: 'unused', signal: abort.signal,
      onProgress: (e) => /pair 1 of 20 done/.test(e.message) && abort.abort(),
    }, {});
    const started = Date.now();
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(60_000);
    await new Promise((r) => setTimeout(r, 500));
    for (const r of runners) expect(serverPidsUnder(r.dataDir)).toEqual([]);
  }, 120_000);

  it('a job the user must fix comes back as that error, with its detail', async () => {
    const repo = createRepo(cpuAppFiles(300_000, quick.replace('start: node server.js', 'start: node no-such-server.js')));
    commitOnBranch(repo, 'head', { 'README.md': 'x' }, 'docs');
    const failure = await dispatcher.execute(request(repo), { dataDir: 'unused' }, {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UserFacingError);
    expect((failure as UserFacingError).message).toMatch(/the server did not start.*Check `start` and `ready`/);
    expect((failure as UserFacingError).detail).toMatch(/no-such-server\.js/);
  }, 120_000);
});
