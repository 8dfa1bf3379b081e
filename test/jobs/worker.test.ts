import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/queue.ts';
import { SqliteJobQueue } from '../../src/jobs/sqlite-queue.ts';
import { createWorker, type JobReporter, type JobRunner, type Worker, type WorkerOptions } from '../../src/jobs/worker.ts';
import { newWorkerId } from '../../src/jobs/worker-identity.ts';
import type { ProgressEvent } from '../../src/model.ts';
import { fakeResult, memoryLog, payload } from './helpers.ts';

const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);

let dir: string;
let queue: SqliteJobQueue;
let workers: Worker[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bumpbench-worker-'));
  queue = SqliteJobQueue.open(dir);
  workers = [];
});

afterEach(async () => {
  for (const w of workers) await w.stop();
  queue.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Recorded {
  events: string[];
  progressSeen: ProgressEvent[];
}

function recordingReporter(): JobReporter & Recorded {
  const events: string[] = [];
  const progressSeen: ProgressEvent[] = [];
  return {
    events,
    progressSeen,
    started: async (job) => void events.push(`started ${job.id}`),
    progress: (_job, event) => void progressSeen.push(event),
    completed: async (job, result) => void events.push(`completed ${job.id} ${result.verdict} check=${job.checkRunId}`),
    failed: async (job, error) => void events.push(`failed ${job.id} ${(error as Error).message}`),
    cancelled: async (job, reason) => void events.push(`cancelled ${job.id} ${reason}`),
  };
}

function start(runner: JobRunner, reporter: JobReporter, extra: Partial<WorkerOptions> = {}): Worker {
  const worker = createWorker({ queue, runner, reporter, log: memoryLog(), pollMs: 20, cancelCheckMs: 20, ...extra });
  workers.push(worker);
  void worker.start();
  return worker;
}

function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('worker loop', () => {
  it('runs one job at a time, in order, and reports progress and results', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const reporter = recordingReporter();
    const worker = start(async (job, { onProgress }) => {
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      onProgress({ phase: 'measure', message: `job ${job.id}`, step: 1, total: 2 });
      await new Promise((r) => setTimeout(r, 30));
      concurrent -= 1;
      if (job.pr === 2) throw new Error('install failed: npm ci exited with 1');
      return fakeResult(job.pr === 1 ? 'regression' : 'unchanged');
    }, reporter);
    const a = queue.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload(), checkRunId: 11 }).job;
    const b = queue.enqueue({ repo: 'o/r', pr: 2, sha: SHA1, payload: payload() }).job;
    const c = queue.enqueue({ repo: 'o/r', pr: 3, sha: SHA1, payload: payload() }).job;
    worker.wake();
    await until(() => reporter.events.length === 6, 'three jobs');
    await worker.idle();
    expect(maxConcurrent).toBe(1);
    expect(reporter.events).toEqual([
      `started ${a.id}`,
      `completed ${a.id} regression check=11`,
      `started ${b.id}`,
      `failed ${b.id} install failed: npm ci exited with 1`,
      `started ${c.id}`,
      `completed ${c.id} unchanged check=null`,
    ]);
    expect(reporter.progressSeen.map((p) => p.message)).toEqual([`job ${a.id}`, `job ${b.id}`, `job ${c.id}`]);
    expect(queue.get(a.id)!.state).toBe('done');
    expect(queue.get(b.id)).toMatchObject({ state: 'failed', error: 'install failed: npm ci exited with 1' });
    expect(queue.pending()).toEqual([]);
  });

  it('a push that supersedes the running job aborts it through its signal and reports it cancelled', async () => {
    const reporter = recordingReporter();
    let sawAbort = false;
    const runner: JobRunner = (job, { signal }) =>
      new Promise((resolve, reject) => {
        if (job.sha === SHA2) return resolve(fakeResult('unchanged', SHA2));
        signal.addEventListener('abort', () => {
          sawAbort = true;
          reject(new Error('cancelled'));
        });
      });
    start(runner, reporter);
    const old = queue.enqueue({ repo: 'o/r', pr: 5, sha: SHA1, payload: payload() }).job;
    await until(() => reporter.events.includes(`started ${old.id}`), 'the old job to start');
    const cancelled = queue.cancel({ repo: 'o/r', pr: 5, exceptSha: SHA2 }, 'superseded by 2222222');
    expect(cancelled.map((c) => c.wasRunning)).toEqual([true]);
    const next = queue.enqueue({ repo: 'o/r', pr: 5, sha: SHA2, payload: payload() }).job;
    await until(() => reporter.events.some((e) => e.startsWith(`completed ${next.id}`)), 'the new job');
    expect(sawAbort).toBe(true);
    expect(reporter.events).toEqual([
      `started ${old.id}`,
      `cancelled ${old.id} superseded by 2222222`,
      `started ${next.id}`,
      `completed ${next.id} unchanged check=null`,
    ]);
  });

  it('stopping mid-job aborts it and puts it back; the next start reruns it and reports once', async () => {
    const first = recordingReporter();
    let aborted = false;
    const hang: JobRunner = (_job, { signal }) =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(signal.reason);
        }),
      );
    const w1 = start(hang, first);
    const { job } = queue.enqueue({ repo: 'o/r', pr: 9, sha: SHA1, payload: payload(), checkRunId: 77 });
    await until(() => first.events.length === 1, 'the job to start');
    await w1.stop();
    expect(aborted).toBe(true);
    expect(first.events).toEqual([`started ${job.id}`]); // no "cancelled"/"failed" published for a shutdown
    expect(queue.get(job.id)).toMatchObject({ state: 'queued', checkRunId: 77 });

    const second = recordingReporter();
    const ran: Job[] = [];
    start(async (j) => {
      ran.push(j);
      return fakeResult('improvement');
    }, second);
    await until(() => second.events.length === 2, 'the rerun');
    expect(ran.map((j) => j.id)).toEqual([job.id]);
    expect(second.events).toEqual([`started ${job.id}`, `completed ${job.id} improvement check=77`]);
  });

  it('a reporter that throws does not stop the worker', async () => {
    const reporter = recordingReporter();
    reporter.completed = async () => {
      throw new Error('GitHub is down');
    };
    const log = memoryLog();
    const worker = createWorker({ queue, runner: async () => fakeResult(), reporter, log, pollMs: 20 });
    workers.push(worker);
    await worker.start();
    const a = queue.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload() }).job;
    const b = queue.enqueue({ repo: 'o/r', pr: 2, sha: SHA1, payload: payload() }).job;
    await until(() => queue.get(b.id)!.state === 'done', 'the second job');
    expect(queue.get(a.id)!.state).toBe('done');
    expect(log.lines.some((l) => l.level === 'error' && /reporting "completed" failed/.test(l.msg))).toBe(true);
  });

  it('a job that ignores its signal frees the worker within the grace after a cancel; the next job runs', async () => {
    const reporter = recordingReporter();
    const stuck: JobRunner = (job) => (job.pr === 1 ? new Promise(() => {}) : Promise.resolve(fakeResult()));
    start(stuck, reporter, { abortGraceMs: 300 });
    const a = queue.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload() }).job;
    const b = queue.enqueue({ repo: 'o/r', pr: 2, sha: SHA1, payload: payload() }).job;
    await until(() => reporter.events.includes(`started ${a.id}`), 'the stuck job to start');
    const cancelledAt = Date.now();
    queue.cancel({ repo: 'o/r', pr: 1 }, 'cancelled by @maintainer');
    await until(() => reporter.events.includes(`cancelled ${a.id} cancelled by @maintainer`), 'the cancel to be reported');
    // Polled every 20 ms, then 300 ms of grace: well under a second even on a busy machine.
    expect(Date.now() - cancelledAt).toBeLessThan(2_000);
    await until(() => reporter.events.some((e) => e.startsWith(`completed ${b.id}`)), 'the next job');
  });

  it('a job past its budget is stopped and fails saying so', async () => {
    const reporter = recordingReporter();
    const slow: JobRunner = (_job, { signal }) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    start(slow, reporter, { budgetOf: () => ({ ms: 100, why: '2 × install timeout + 10 pairs; operator cap 6 h' }) });
    const { job } = queue.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload() });
    await until(() => reporter.events.some((e) => e.startsWith(`failed ${job.id}`)), 'the budget to run out');
    expect(reporter.events.at(-1)).toMatch(/ran past its time budget of 0 s \(2 × install timeout \+ 10 pairs; operator cap 6 h\) and was stopped/);
    expect(queue.get(job.id)).toMatchObject({ state: 'failed' });
    expect(queue.get(job.id)!.error).toMatch(/time budget/);
  });

  it('looks for orphaned jobs periodically, not only at start, and reruns them', async () => {
    const reporter = recordingReporter();
    const requeued: number[] = [];
    reporter.requeued = async (job) => void requeued.push(job.id);
    start(async () => fakeResult('unchanged'), reporter, { recoverEveryMs: 50, lane: { kinds: ['soak'] } });
    await new Promise((r) => setTimeout(r, 100)); // started, recovered once, idle
    // A job another process claimed and then died with (its identity no longer matches any process).
    const { job } = queue.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload('soak') });
    const [host, pid, startTime, boot] = newWorkerId().split(':');
    queue.claim([host, pid, String(Number(startTime) - 1), boot, 'gone'].join(':'));
    await until(() => reporter.events.some((e) => e.startsWith(`completed ${job.id}`)), 'the orphan to be rerun');
    expect(requeued).toEqual([job.id]);
    expect(queue.get(job.id)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('a worker that lost its claim stops without reporting; the one that has it reports once', async () => {
    const reporter = recordingReporter();
    let aborted: unknown;
    const runner: JobRunner = (_job, { signal }) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject((aborted = signal.reason)), { once: true }));
    const worker = start(runner, reporter);
    const { job } = queue.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload() });
    await until(() => reporter.events.includes(`started ${job.id}`), 'the job to start');
    // Another process judged this worker dead and handed the job to another worker.
    queue.release(job.id);
    expect(queue.claim('elsewhere:1:x')!.id).toBe(job.id);
    await until(() => aborted !== undefined, 'the worker to notice');
    await until(() => worker.current === null, 'the worker to let go');
    expect(reporter.events).toEqual([`started ${job.id}`]);
    expect(queue.complete(job.id, worker.id)).toBe(false);
    expect(queue.complete(job.id, 'elsewhere:1:x')).toBe(true);
  });

  it('stop() returns by its deadline even when the job does not wind down, and releases the job', async () => {
    const reporter = recordingReporter();
    const worker = start(() => new Promise(() => {}), reporter, { abortGraceMs: 60_000 });
    const { job } = queue.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload() });
    await until(() => reporter.events.length === 1, 'the job to start');
    const before = Date.now();
    await worker.stop(200);
    expect(Date.now() - before).toBeLessThan(1_500);
    expect(queue.get(job.id)).toMatchObject({ state: 'queued', attempts: 0 });
    workers.splice(workers.indexOf(worker), 1);
  });

  it('a soak lane takes only soaks, the other lane everything else', async () => {
    const reporter = recordingReporter();
    const ran: string[] = [];
    const runner = (lane: string): JobRunner => async (job) => {
      ran.push(`${lane} ${job.kind}`);
      return fakeResult();
    };
    start(runner('soak-lane'), reporter, { lane: { kinds: ['soak'] } });
    start(runner('main-lane'), reporter, { lane: { excludeKinds: ['soak'] } });
    queue.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload('soak') });
    queue.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload('compare') });
    queue.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload('bisect') });
    await until(() => ran.length === 3, 'three jobs');
    expect(ran.sort()).toEqual(['main-lane bisect', 'main-lane compare', 'soak-lane soak']);
  });
});
