// Job directories whose process died. A job removes its worktrees and scratch space when it ends, and on
// a stop (SIGTERM) too; a process killed outright (kill -9, out of memory, power loss) cannot. Each job dir
// names its owner (the process identity, `.owner`), so the next process on the data dir removes what a dead
// one left, and prunes the mirrors' records of those worktrees.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { identityLiveness, processIdentity } from './process-identity.ts';

const OWNER_FILE = '.owner';

/** Marks a job dir as this process's. */
export async function claimJobDir(jobDir: string): Promise<void> {
  await mkdir(jobDir, { recursive: true });
  await writeFile(path.join(jobDir, OWNER_FILE), processIdentity());
}

/**
 * Removes job dirs under `<dataDir>/work` whose owner is dead, or that name none and are older than an
 * hour (made before owners were recorded; a dir younger than that may be one being made right now), then
 * prunes every mirror's worktree list. Returns the dirs removed.
 */
export async function sweepStaleJobDirs(dataDir: string): Promise<string[]> {
  const work = path.join(dataDir, 'work');
  const removed: string[] = [];
  for (const name of existsSync(work) ? await readdir(work) : []) {
    const dir = path.join(work, name);
    const owner = await readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => null);
    if (owner !== null && identityLiveness(owner.trim()) !== 'dead') continue;
    if (owner === null && Date.now() - ((await stat(dir).catch(() => null))?.mtimeMs ?? 0) < 3_600_000) continue;
    await killProcessesIn(dir);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    removed.push(dir);
  }
  if (removed.length === 0) return removed;
  const repos = path.join(dataDir, 'cache', 'repos');
  for (const mirror of existsSync(repos) ? await readdir(repos) : []) {
    await promisify(execFile)('git', ['-C', path.join(repos, mirror), 'worktree', 'prune'], { timeout: 30_000 }).catch(() => undefined);
  }
  return removed;
}

/**
 * SIGKILL every process whose working directory is under `dir`: what a dead owner's job may still have
 * running (its commands run in its worktrees), should anything have outlived it.
 */
async function killProcessesIn(dir: string): Promise<void> {
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => null);
    if (cwd === null || (cwd !== dir && !cwd.startsWith(`${dir}/`))) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
    } catch {
      /* gone meanwhile, or not ours */
    }
  }
}

