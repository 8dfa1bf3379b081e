// Process groups of the servers we start, and the process-wide registry that makes sure none of them
// outlives us: a server started through `sh -c` often forks (npm → node, cluster workers), so killing the
// pid we spawned is not enough; we signal the whole group, plus any descendant that left the group.
import { isAlive, listGroup, listTree } from './proc-tree.ts';

const live = new Set<number>();
let handlersInstalled = false;
let shuttingDown = false;

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone. EPERM: not ours (pid reused) — leave it alone.
  }
}

/** Everything that belongs to the server: the group, and descendants of the leader that setsid'ed away. */
function members(pgid: number): number[] {
  return [...new Set([...listGroup(pgid), ...listTree(pgid)])];
}

/** Send a signal to every member of the group (and escaped descendants). Returns the pids signalled. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): number[] {
  const pids = members(pgid);
  if (pids.length === 0) return [];
  signalPid(-pgid, signal);
  for (const pid of pids) signalPid(pid, signal);
  return pids;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True when nothing of the group or of the given pids is left alive (zombies count as gone). */
function allGone(pgid: number, pids: number[]): boolean {
  return listGroup(pgid).length === 0 && pids.every((pid) => !isAlive(pid));
}

async function waitGone(pgid: number, pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (allGone(pgid, pids)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

/**
 * SIGTERM the group, give it graceMs to exit, then SIGKILL whatever is left. Resolves when no member is
 * alive (or, after SIGKILL, when a further killWaitMs has passed — a process stuck in the kernel cannot
 * be helped).
 */
export async function terminateGroup(pgid: number, graceMs = 2_000, killWaitMs = 5_000): Promise<void> {
  const pids = signalGroup(pgid, 'SIGTERM');
  if (pids.length > 0 && !(await waitGone(pgid, pids, graceMs))) {
    const left = signalGroup(pgid, 'SIGKILL');
    await waitGone(pgid, [...pids, ...left], killWaitMs);
  }
}

/** Remember a group so that killAllServers() and the exit/signal handlers can reach it. */
export function registerGroup(pgid: number): void {
  live.add(pgid);
  installHandlers();
}

export function unregisterGroup(pgid: number): void {
  live.delete(pgid);
}

/** Groups registered and not yet stopped. */
export function liveGroups(): number[] {
  return [...live];
}

/**
 * Kill every registered server group at once, synchronously (usable from an 'exit' handler, where
 * nothing asynchronous runs any more). SIGKILL by default: there is no time to wait for a graceful exit.
 */
export function killAllServers(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pgid of live) {
    signalGroup(pgid, signal);
    if (signal === 'SIGKILL') live.delete(pgid);
  }
}

/** SIGTERM every registered group, wait briefly, SIGKILL the rest. */
export async function stopAllServers(graceMs = 1_000): Promise<void> {
  await Promise.all([...live].map((pgid) => terminateGroup(pgid, graceMs, 2_000)));
  live.clear();
}

const signalExitCodes: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

function onSignal(signal: NodeJS.Signals): void {
  if (shuttingDown) {
    // A second Ctrl-C while we wait for graceful stops: stop waiting.
    killAllServers('SIGKILL');
    process.exit(signalExitCodes[signal] ?? 1);
  }
  shuttingDown = true;
  void stopAllServers().finally(() => {
    shuttingDown = false;
    // Another listener owns shutdown (Node does not exit on its own when a listener exists): leave it be.
    if (process.listenerCount(signal) > 1) return;
    process.removeListener(signal, onSignal);
    // Re-raise so our parent sees "killed by SIGINT" (shells stop loops on that), exit code as fallback.
    process.kill(process.pid, signal);
    setTimeout(() => process.exit(signalExitCodes[signal] ?? 1), 100).unref();
  });
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => killAllServers('SIGKILL'));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}
