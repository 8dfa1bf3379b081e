import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteJobQueue } from '../../src/jobs/sqlite-queue.ts';
import { payload } from './helpers.ts';

const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);

let dir: string;
let queues: SqliteJobQueue[];
let children: ChildProcess[];

function open(options?: ConstructorParameters<typeof SqliteJobQueue>[1]): SqliteJobQueue {
  const q = SqliteJobQueue.open(dir, options);
  queues.push(q);
  return q;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bumpbench-queue-'));
  queues = [];
  children = [];
});

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const q of queues) q.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteJobQueue', () => {
  it('uses a WAL-mode SQLite file under the data dir', () => {
    const q = open();
    q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload() });
    const db = new Database(join(dir, 'queue.sqlite'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('collapses duplicate triggers for the same repo, PR, SHA and kind while one is active', () => {
    const q = open();
    const first = q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload('compare') });
    const again = q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload('compare') });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.job.id).toBe(first.job.id);
    // Another kind, SHA or PR is a different job.
    expect(q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload('bisect') }).created).toBe(true);
    expect(q.enqueue({ repo: 'o/r', pr: 1, sha: SHA2, payload: payload('compare') }).created).toBe(true);
    expect(q.enqueue({ repo: 'o/r', pr: 2, sha: SHA1, payload: payload('compare') }).created).toBe(true);
    expect(q.pending()).toHaveLength(4);

    // Still collapsed while running; once finished, the same trigger runs again.
    const claimed = q.claim('w')!;
    expect(claimed.id).toBe(first.job.id);
    expect(q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload('compare') }).created).toBe(false);
    expect(q.complete(claimed.id)).toBe(true);
    expect(q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload('compare') }).created).toBe(true);
  });

  it('claims oldest first, one job per claim, and nothing when empty', () => {
    const q = open();
    const a = q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload() }).job;
    const b = q.enqueue({ repo: 'o/r', pr: 2, sha: SHA1, payload: payload() }).job;
    const first = q.claim('w1')!;
    const second = q.claim('w2')!;
    expect([first.id, second.id]).toEqual([a.id, b.id]);
    expect(first.state).toBe('running');
    expect(first.attempts).toBe(1);
    expect(q.claim('w3')).toBeNull();
    expect(q.fail(second.id, 'boom')).toBe(true);
    expect(q.get(second.id)).toMatchObject({ state: 'failed', error: 'boom' });
  });

  it('a new push cancels queued and running jobs for the older SHAs of the same PR only', () => {
    const q = open();
    const running = q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload() }).job;
    q.claim('w');
    const queuedOld = q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload('bisect') }).job;
    const current = q.enqueue({ repo: 'o/r', pr: 1, sha: SHA2, payload: payload() }).job;
    const otherPr = q.enqueue({ repo: 'o/r', pr: 7, sha: SHA1, payload: payload() }).job;

    const cancelled = q.cancel({ repo: 'o/r', pr: 1, exceptSha: SHA2 }, `superseded by ${SHA2.slice(0, 7)}`);
    expect(cancelled.map((c) => [c.job.id, c.wasRunning])).toEqual([
      [running.id, true],
      [queuedOld.id, false],
    ]);
    expect(q.get(running.id)).toMatchObject({ state: 'cancelled', cancelReason: 'superseded by 2222222' });
    expect(q.get(current.id)!.state).toBe('queued');
    expect(q.get(otherPr.id)!.state).toBe('queued');
    // The running job's worker finishing late does not overwrite the cancel.
    expect(q.complete(running.id)).toBe(false);
    expect(q.get(running.id)!.state).toBe('cancelled');
    // `/bumpbench cancel` (no SHA) cancels everything of the PR.
    expect(q.cancel({ repo: 'o/r', pr: 1 }, 'cancelled by @maintainer').map((c) => c.job.id)).toEqual([current.id]);
  });

  it('survives a restart: a job running when its worker process was killed is queued again with its check run id', async () => {
    const q = open();
    const { job } = q.enqueue({ repo: 'o/r', pr: 3, sha: SHA1, payload: payload(), checkRunId: 4242 });
    const script = fileURLToPath(new URL('./fixtures/hanging-worker.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, q.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker never ran the job; output: ${out}`)), 30_000);
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        if (out.includes(`running ${job.id}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(out).toContain(`started ${job.id} check 4242`);
    expect(q.get(job.id)!.state).toBe('running');
    // While its worker lives, a restarting process must not steal the job.
    expect(open().recover().requeued).toEqual([]);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const restarted = open();
    const { requeued, failed } = restarted.recover();
    expect(failed).toEqual([]);
    expect(requeued.map((j) => [j.id, j.checkRunId, j.state])).toEqual([[job.id, 4242, 'queued']]);
    const again = restarted.claim('w2')!;
    expect(again.id).toBe(job.id);
    expect(again.attempts).toBe(2);
  });

  it('gives up on a job that killed its worker too many times', () => {
    let now = new Date('2024-01-01T00:00:00Z');
    const q = open({ maxAttempts: 2, staleAfterMs: 60_000, now: () => now });
    const { job } = q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload() });
    // Workers on another host: only their silence (no heartbeat) tells that they died.
    q.claim('elsewhere:1:a');
    now = new Date(now.getTime() + 61_000);
    expect(q.recover().requeued.map((j) => j.id)).toEqual([job.id]);
    q.claim('elsewhere:1:b');
    now = new Date(now.getTime() + 30_000);
    expect(q.recover()).toEqual({ requeued: [], failed: [] });
    now = new Date(now.getTime() + 31_000);
    const { failed } = q.recover();
    expect(failed.map((j) => j.id)).toEqual([job.id]);
    expect(q.get(job.id)!.error).toMatch(/stopped 2 times/);
  });

  it('release puts a job interrupted by shutdown back without counting the attempt', () => {
    const q = open();
    const { job } = q.enqueue({ repo: 'o/r', pr: 1, sha: SHA1, payload: payload() });
    q.claim('w');
    q.release(job.id);
    expect(q.get(job.id)).toMatchObject({ state: 'queued', attempts: 0 });
  });
});
