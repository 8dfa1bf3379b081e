// The data dir grows with every repository (mirrors) and every lockfile (install trees). Before a job uses
// the disk, the caches are brought under a size budget by evicting the least recently used entries, and a
// job on a nearly full disk stops before it starts, saying so, instead of failing half-way (or taking the
// App's queue and logs down with it).
import { lstat, readdir, readFile, rm, statfs, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The disk is too full to run a job; the operator's to fix (or the budget's to allow). */
export class DiskFullError extends Error {
  override readonly name = 'DiskFullError';
}

export interface DiskBudget {
  /** Most bytes the install trees and repo mirrors together may take. */
  cacheBytes: number;
  /** A job does not start with less free space than this under the data dir. */
  minFreeBytes: number;
}

const GiB = 1024 ** 3;

/** BUMPBENCH_CACHE_BUDGET_GB (default 20) and BUMPBENCH_MIN_FREE_GB (default 2). */
export function diskBudgetFromEnv(env: NodeJS.ProcessEnv = process.env): DiskBudget {
  const number = (value: string | undefined, fallback: number) => {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return { cacheBytes: number(env.BUMPBENCH_CACHE_BUDGET_GB, 20) * GiB, minFreeBytes: number(env.BUMPBENCH_MIN_FREE_GB, 2) * GiB };
}

const USED_MARK = '.bumpbench-used';
const SIZE_MARK = '.bumpbench-size';
/** An entry used this recently may belong to a running job (here or in another process): never evicted. */
const IN_USE_MS = 6 * 3_600_000;

/** Mark a cache entry (install tree or mirror) as used now: eviction goes by this. */
export async function touchCacheEntry(dir: string): Promise<void> {
  const mark = path.join(dir, USED_MARK);
  const now = new Date();
  await utimes(mark, now, now).catch(() => writeFile(mark, '').catch(() => undefined));
}

/** Bytes a tree takes (files and symlinks themselves; hard links counted each time: an upper bound). */
export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const full = path.join(current, e.name);
      if (e.isDirectory()) stack.push(full);
      else total += (await lstat(full).catch(() => null))?.size ?? 0;
    }
  }
  return total;
}

interface CacheEntry {
  dir: string;
  bytes: number;
  usedAt: number;
}

/** An install tree never changes once complete, so its size is measured once and kept beside it. */
async function entryBytes(dir: string, immutable: boolean): Promise<number> {
  if (immutable) {
    const kept = Number(await readFile(path.join(dir, SIZE_MARK), 'utf8').catch(() => ''));
    if (Number.isFinite(kept) && kept > 0) return kept;
  }
  const bytes = await treeBytes(dir);
  if (immutable) await writeFile(path.join(dir, SIZE_MARK), String(bytes)).catch(() => undefined);
  return bytes;
}

async function listEntries(cacheDir: string): Promise<CacheEntry[]> {
  const entries: CacheEntry[] = [];
  for (const [kind, immutable] of [['installs', true], ['repos', false]] as const) {
    const root = path.join(cacheDir, kind);
    const names = await readdir(root).catch(() => [] as string[]);
    for (const name of names) {
      const dir = path.join(root, name);
      const used = await lstat(path.join(dir, USED_MARK)).catch(() => null);
      const made = await lstat(dir).catch(() => null);
      if (!made?.isDirectory()) continue;
      entries.push({ dir, bytes: await entryBytes(dir, immutable), usedAt: (used ?? made).mtimeMs });
    }
  }
  return entries;
}

export interface BudgetOutcome {
  evicted: string[];
  freedBytes: number;
  freeBytes: number;
}

/**
 * Evict least recently used cache entries until the caches fit the budget and the disk has the free space a
 * job needs; then throw DiskFullError if it still has not. Entries used within the last hours are kept.
 */
export async function enforceDiskBudget(dataDir: string, budget: DiskBudget, now = Date.now()): Promise<BudgetOutcome> {
  const cacheDir = path.join(dataDir, 'cache');
  const free = async () => {
    const s = await statfs(dataDir);
    return s.bavail * s.bsize;
  };
  const entries = (await listEntries(cacheDir)).sort((a, b) => a.usedAt - b.usedAt);
  let total = entries.reduce((sum, e) => sum + e.bytes, 0);
  const evicted: string[] = [];
  let freedBytes = 0;
  let freeBytes = await free();
  for (const entry of entries) {
    if (total <= budget.cacheBytes && freeBytes >= budget.minFreeBytes) break;
    if (now - entry.usedAt < IN_USE_MS) continue;
    await rm(entry.dir, { recursive: true, force: true });
    evicted.push(entry.dir);
    freedBytes += entry.bytes;
    total -= entry.bytes;
    freeBytes = await free();
  }
  if (freeBytes < budget.minFreeBytes) {
    throw new DiskFullError(
      `the runner's disk is nearly full: ${(freeBytes / GiB).toFixed(2)} GiB free under ${dataDir}, a job needs ${(budget.minFreeBytes / GiB).toFixed(0)} GiB ` +
        `(BUMPBENCH_MIN_FREE_GB). The caches were trimmed as far as they can be; free space on the runner, then re-run.`,
    );
  }
  return { evicted, freedBytes, freeBytes };
}
