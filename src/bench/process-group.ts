// Process groups of the servers we start, and the process-wide registry that makes sure none of them
// outlives us: a server started through `sh -c` often forks (npm → node, cluster workers), so killing the
// pid we spawned is not enough; we signal the whole group, plus any descendant that left the group.
import { listGroup, listProcesses, listTree } from './proc-tree.ts';
import type { ProcStat } from './proc-tree.ts';

const live = new Set<number>();
let handlersInstalled = false;
let shuttingDown = false;
/** Set by a long-running entry point (serve, worker) that handles SIGTERM/SIGINT itself. */
let shutdownOwned = false;

/**
 * The caller owns shutdown: on SIGTERM/SIGINT/SIGHUP this module does nothing (the owner stops its jobs,
 * each ending its own servers, releases them and exits in its own time; the 'exit' handler still kills any
 * server left). Without an owner (the CLI), a signal stops the servers and then ends the process the way
 * the signal would have.
 */
export function declareShutdownOwner(): void {
  shutdownOwned = true;
}

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

/** Live (non-zombie) members of the group plus live descendants of its leader, with their parents. */
function liveMembers(pgid: number): ProcStat[] {
  const all = listProcesses();
  const found = new Map<number, ProcStat>();
  const children = new Map<number, ProcStat[]>();
  for (const p of all) {
    if (p.pgrp === pgid) found.set(p.pid, p);
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  const queue = [pgid];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (found.has(c.pid) && c.pgrp !== pgid) continue;
      if (!found.has(c.pid)) found.set(c.pid, c);
      queue.push(c.pid);
    }
  }
  return [...found.values()].filter((p) => p.state !== 'Z');
}

/** Members with no live child among the members: signalling these first lets their parents reap them. */
function leaves(procs: ProcStat[]): ProcStat[] {
  const parents = new Set(procs.map((p) => p.ppid));
  return procs.filter((p) => !parents.has(p.pid));
}

/**
 * Stop the group within graceMs, then SIGKILL whatever is left; resolves when no member is alive (or
 * killWaitMs after SIGKILL: a process stuck in the kernel cannot be helped).
 *
 * Leaves first: SIGTERM goes to processes without children, their parents get it once their children are
 * gone, and a leaf that ignores SIGTERM for graceMs/2 gets SIGKILL. Signalling the whole group at once
 * would kill `sh`/`npm` before their children, orphan those to pid 1, and in a container whose pid 1 is
 * not an init the orphans would stay as zombies forever; parents that are alive reap their children.
 */
export async function terminateGroup(pgid: number, graceMs = 2_000, killWaitMs = 5_000): Promise<void> {
  const termSentAt = new Map<number, number>();
  const start = Date.now();
  for (;;) {
    const procs = liveMembers(pgid);
    if (procs.length === 0) return;
    const now = Date.now();
    if (now - start >= graceMs) break;
    for (const p of leaves(procs)) {
      const sentAt = termSentAt.get(p.pid);
      if (sentAt === undefined) {
        signalPid(p.pid, 'SIGTERM');
        termSentAt.set(p.pid, now);
      } else if (now - sentAt >= graceMs / 2) {
        signalPid(p.pid, 'SIGKILL');
      }
    }
    await sleep(20);
  }
  // Grace is over. SIGKILL leaves first for a moment (parents still reap), then everything at once.
  const killStart = Date.now();
  for (;;) {
    const procs = liveMembers(pgid);
    if (procs.length === 0) return;
    if (Date.now() - killStart >= Math.min(500, killWaitMs)) break;
    for (const p of leaves(procs)) signalPid(p.pid, 'SIGKILL');
    await sleep(10);
  }
  signalGroup(pgid, 'SIGKILL');
  const deadline = Date.now() + killWaitMs;
  while (liveMembers(pgid).length > 0 && Date.now() < deadline) await sleep(25);
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
  // One owner of shutdown: serve and worker stop their jobs themselves (each job ends its own servers),
  // and the 'exit' handler still kills whatever is left. Stopping servers here too would pull them from
  // under jobs that are still reading them (a soak's last memory sample of a dying tree).
  if (shutdownOwned) return;
  if (shuttingDown) {
    // A second Ctrl-C while we wait for graceful stops: stop waiting.
    killAllServers('SIGKILL');
    process.exit(signalExitCodes[signal] ?? 1);
  }
  shuttingDown = true;
  void stopAllServers().finally(() => {
    shuttingDown = false;
    // Someone else listens for the signal too: leave the rest to them.
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
