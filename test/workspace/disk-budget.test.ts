// The caches under a budget: least recently used entries go first, recent ones stay, a full disk stops a job.
import { mkdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskFullError, enforceDiskBudget, touchCacheEntry, treeBytes } from '../../src/workspace/disk-budget.ts';
import { tempDir } from '../helpers/git-repo.ts';

const MiB = 1024 ** 2;
const HOUR = 3_600_000;

/** A cache entry of `mib` MiB last used `hoursAgo` hours ago. */
async function entry(dataDir: string, kind: 'installs' | 'repos', name: string, mib: number, hoursAgo: number, now: number): Promise<string> {
  const dir = path.join(dataDir, 'cache', kind, name);
  mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
  writeFileSync(path.join(dir, 'node_modules', 'x', 'blob'), Buffer.alloc(mib * MiB, 1));
  await touchCacheEntry(dir);
  const when = new Date(now - hoursAgo * HOUR);
  utimesSync(path.join(dir, '.bumpbench-used'), when, when);
  return dir;
}

describe('disk budget', () => {
  it('evicts least recently used entries until the caches fit, never one used in the last hours', async () => {
    const dataDir = tempDir('bumpbench-disk-');
    const now = Date.now();
    const oldest = await entry(dataDir, 'installs', 'a', 3, 72, now);
    const older = await entry(dataDir, 'repos', 'b.git', 3, 48, now);
    const recentBig = await entry(dataDir, 'installs', 'c', 6, 1, now);
    const old = await entry(dataDir, 'installs', 'd', 3, 24, now);
    expect(await treeBytes(oldest)).toBeGreaterThanOrEqual(3 * MiB);
    // 15 MiB in all, budget 10: the two least recently used go, and then it fits.
    const outcome = await enforceDiskBudget(dataDir, { cacheBytes: 10 * MiB, minFreeBytes: 1 }, now);
    expect(outcome.evicted).toEqual([oldest, older]);
    expect(existsSync(old)).toBe(true);
    expect(existsSync(recentBig)).toBe(true);
    // Over budget with only recent entries left: they stay (a running job may be using them).
    const second = await enforceDiskBudget(dataDir, { cacheBytes: 1 * MiB, minFreeBytes: 1 }, now);
    expect(second.evicted).toEqual([old]);
    expect(existsSync(recentBig)).toBe(true);
  });

  it('stops a job on a nearly full disk with a message saying so, after trimming what it may', async () => {
    const dataDir = tempDir('bumpbench-disk-');
    const now = Date.now();
    const stale = await entry(dataDir, 'installs', 'a', 1, 72, now);
    await expect(enforceDiskBudget(dataDir, { cacheBytes: 1024 * MiB, minFreeBytes: 1024 ** 5 }, now)).rejects.toThrow(DiskFullError);
    await expect(enforceDiskBudget(dataDir, { cacheBytes: 1024 * MiB, minFreeBytes: 1024 ** 5 }, now)).rejects.toThrow(/disk is nearly full: .* GiB free under .*BUMPBENCH_MIN_FREE_GB/);
    expect(existsSync(stale)).toBe(false);
  });
});
