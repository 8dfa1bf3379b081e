// Keeps this process (the orchestrator: the /proc sampler, the schedule, IPC with the load generator)
// off the CPUs the server is measured on, for the length of a measurement. Left to the scheduler it
// would wake every 100 ms on whichever CPU is free, often the server's, and take time from the very
// process being measured. `taskset -a` moves every thread (libuv's pool included).
import { execFileSync } from 'node:child_process';

function affinityList(pid: number): string | null {
  try {
    const out = execFileSync('taskset', ['-cp', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 });
    const match = /list:\s*(\S+)/.exec(out);
    return match ? match[1] : null;
  } catch {
    return null;
  }
}

function setAffinity(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Pins this process to `cpus` (a taskset list, e.g. "0") and returns how to undo it; a no-op when cpus
 * is undefined or taskset is missing (then nothing is pinned anywhere: see cpuPlan).
 */
export function pinSelf(cpus: string | undefined): () => void {
  if (!cpus) return () => {};
  const before = affinityList(process.pid);
  if (before === null || before === cpus || !setAffinity(process.pid, cpus)) return () => {};
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    setAffinity(process.pid, before);
  };
}

/** This process's CPU list as taskset reports it (for tests and logs); null when unknown. */
export function ownAffinity(): string | null {
  return affinityList(process.pid);
}

/** Runs `work` with this process pinned to `cpus`, and unpins it however `work` ends. */
export async function whilePinned<T>(cpus: string | undefined, work: () => Promise<T>): Promise<T> {
  const unpin = pinSelf(cpus);
  try {
    return await work();
  } finally {
    unpin();
  }
}
