// A worker identity a restarted process cannot mistake for its own: same host and pid are not enough,
// the process must also have started at the same tick of the same boot.
import { hostname } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteJobQueue } from '../../src/jobs/sqlite-queue.ts';
import { newWorkerId, processStartTime, workerLiveness } from '../../src/jobs/worker-identity.ts';
import { payload } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('worker identity', () => {
  it('is alive for this process, dead for the same host and pid with another start time or boot', () => {
    const id = newWorkerId();
    const [host, pid, start, boot, random] = id.split(':');
    expect(host).toBe(hostname());
    expect(Number(pid)).toBe(process.pid);
    expect(start).toBe(processStartTime(process.pid));
    expect(workerLiveness(id)).toBe('alive');
    // What a container restart looks like: same hostname, same pid, a process started at another moment.
    expect(workerLiveness([host, pid, String(Number(start) + 1), boot, random].join(':'))).toBe('dead');
    expect(workerLiveness([host, pid, start, 'otherboot000', random].join(':'))).toBe('dead');
    expect(workerLiveness(`${host}:999999999:1:${boot}:x`)).toBe('dead');
    expect(workerLiveness(`elsewhere:${pid}:${start}:${boot}:x`)).toBe('unknown');
    expect(newWorkerId()).not.toBe(id);
  });

  it('recovery requeues a job whose claimer had this pid but is another process (a restarted container)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bumpbench-identity-'));
    dirs.push(dir);
    const queue = SqliteJobQueue.open(dir);
    const { job } = queue.enqueue({ repo: 'o/r', pr: 1, sha: '1'.repeat(40), payload: payload() });
    const [host, pid, start, boot] = newWorkerId().split(':');
    const previousLife = [host, pid, String(Number(start) - 100), boot, 'dead0000'].join(':');
    queue.claim(previousLife);
    // Its heartbeat is fresh: only the identity tells that the claimer is gone.
    expect(queue.recover().requeued.map((j) => j.id)).toEqual([job.id]);
    // A job claimed by this very process stays where it is.
    queue.claim(newWorkerId());
    expect(queue.recover().requeued).toEqual([]);
    queue.close();
    const db = new Database(join(dir, 'queue.sqlite'), { readonly: true });
    expect((db.prepare('SELECT attempts FROM jobs WHERE id = ?').get(job.id) as { attempts: number }).attempts).toBe(2);
    db.close();
  });
});
