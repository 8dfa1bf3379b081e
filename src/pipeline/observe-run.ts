// The mechanics every observe run shares: a directory the hooks may write (handed to the sandbox's uid),
// the server's extras (hook environment, mounts), the orders the hooks poll for, and waiting for them
// to answer. A server without a Node or Python process never answers; the waits are bounded.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HOOKS_DIR, observeEnv, processStates, type ObserveMode } from '../hints/index.ts';
import type { ServerExtras } from './measure-sample.ts';
import type { PreparedSide } from './prepare-side.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh directory for one observe run's hooks, writable by the sandboxed server. */
export async function observeDir(prepared: PreparedSide, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await prepared.sandbox.handOver(dir);
  return dir;
}

export function observeExtras(prepared: PreparedSide, dir: string, modes: readonly ObserveMode[]): ServerExtras {
  return { env: (server) => observeEnv(server, dir, modes), readOnly: [HOOKS_DIR], writable: [dir] };
}

export type HookOrder = 'stop' | 'mem-start' | 'mem-end';

export async function orderHooks(dir: string, order: HookOrder): Promise<void> {
  await writeFile(path.join(dir, order), '');
}

/**
 * Wait until every process that started a hook has answered (`done` after stop, `mem-done` after
 * mem-end), or `timeoutMs`, or the server is gone (`running` says false: a dead process never answers).
 * Returns how many did not.
 */
export async function waitForHooks(
  dir: string, answer: 'done' | 'mem-done', timeoutMs: number, opts: { signal?: AbortSignal; running?: () => boolean } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    const states = await processStates(dir);
    const answered = new Set(answer === 'done' ? states.done : states.memoryDone);
    const missing = states.started.filter((pid) => !answered.has(pid)).length;
    if (missing === 0 || Date.now() >= deadline || opts.running?.() === false) return missing;
    await sleep(50);
  }
}
