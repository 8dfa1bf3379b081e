// Linux /proc sampling of a server's whole process tree (the server may fork workers or be wrapped by
// `sh`, `npm start`, `taskset`, the sandbox's `bwrap`): CPU time in nanoseconds from each thread's
// /proc/<pid>/task/<tid>/schedstat, memory from /proc/<pid>/status.
// The tree is found afresh at every sample by walking down from the root through
// /proc/<pid>/task/<tid>/children — a few files per process, never a scan of every process on the
// machine, so the sampler adds little work next to the server it measures. Workers that appear or die
// mid-run are followed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** One letter: R running, S sleeping, Z zombie, … */
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks. */
  utime: number;
  stime: number;
  /** Ticks of children this process has waited for (they leave the tree but their CPU stays counted). */
  cutime: number;
  cstime: number;
}

export interface TreeSample {
  /** CPU seconds of the tree: run time of each live thread (ns) plus time of the children reaped (ticks). */
  cpuSeconds: number;
  /** CPU seconds of each live thread so far, by "pid/tid" (for the busiest thread over a window). */
  threads: Map<string, number>;
  rssBytes: number;
  rssAnonBytes: number;
  /** Live (non-zombie) processes in the tree. */
  pids: number;
}

export interface TreeUsage {
  cpuSeconds: number;
  /** Wall time between the first and the last sample, seconds. */
  wallSeconds: number;
  /**
   * CPU seconds of the tree's busiest thread over the window: a single-threaded server (Node's event
   * loop) is saturated when this nears the wall time, however many CPUs it may use.
   */
  busiestThreadSeconds: number;
  peakRssBytes: number;
  peakRssAnonBytes: number;
}

export interface TreeMonitor {
  /** Take a last sample, stop sampling, and return the usage over the monitored window. */
  stop(): TreeUsage;
}

let clockTicks: number | undefined;

/** Kernel clock ticks per second (`getconf CLK_TCK`), read once; 100 on every common Linux. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      clockTicks = Number.isFinite(value) && value > 0 ? value : 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Parse /proc/<pid>/stat; null when the process is gone (or /proc is not there). */
export function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (comm) is in parentheses and may itself contain spaces and ')': split after the LAST ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field n is rest[n - 3].
  return {
    pid,
    state: rest[0],
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    utime: Number(rest[11]),
    stime: Number(rest[12]),
    cutime: Number(rest[13]),
    cstime: Number(rest[14]),
  };
}

/** Every process visible in /proc, read now. Processes that vanish while being read are skipped. */
export function listProcesses(): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) out.push(stat);
  }
  return out;
}

/** Thread ids of a process (its tasks); [] when it is gone. */
function tasksOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/** Whether this kernel has /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN); checked once. */
let childrenFiles: boolean | undefined;
function hasChildrenFiles(): boolean {
  childrenFiles ??= existsSync(`/proc/${process.pid}/task/${process.pid}/children`);
  return childrenFiles;
}

/** Children of a process: the children of each of its threads (a child's parent is the thread that forked it). */
function childrenOf(pid: number, tasks: readonly string[]): number[] {
  const out: number[] = [];
  for (const tid of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const word of text.split(' ')) if (word) out.push(Number(word));
  }
  return out;
}

interface TreeMember {
  stat: ProcStat;
  tasks: string[];
}

/**
 * The root and its descendants, root first (breadth first), each with its threads. Walks down through
 * the children files; on a kernel without them it falls back to one scan of /proc.
 */
function treeMembers(rootPid: number): TreeMember[] {
  if (!hasChildrenFiles()) return scanTree(rootPid);
  const out: TreeMember[] = [];
  const seen = new Set<number>();
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const stat = readStat(pid);
    if (!stat) continue;
    const tasks = tasksOf(pid);
    out.push({ stat, tasks });
    queue.push(...childrenOf(pid, tasks));
  }
  return out;
}

/** The same tree from one scan of every process (kernels without children files). */
function scanTree(rootPid: number): TreeMember[] {
  const all = listProcesses();
  const children = new Map<number, ProcStat[]>();
  let root: ProcStat | undefined;
  for (const p of all) {
    if (p.pid === rootPid) root = p;
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  if (!root) return [];
  const out: TreeMember[] = [];
  const queue: ProcStat[] = [root];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    out.push({ stat: p, tasks: tasksOf(p.pid) });
    for (const c of children.get(p.pid) ?? []) queue.push(c);
  }
  return out;
}

/** The root and all its descendants (zombies included), root first; [] when the root is gone. */
export function listTree(rootPid: number): number[] {
  return treeMembers(rootPid).map((m) => m.stat.pid);
}

/** Nanoseconds a thread has run on a CPU: the first field of its schedstat; null when unreadable. */
function threadCpuNs(pid: number, tid: string): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8');
    const ns = Number(text.slice(0, text.indexOf(' ')));
    return Number.isFinite(ns) ? ns : null;
  } catch {
    return null;
  }
}

/**
 * CPU seconds of one process: its live threads' run time in nanoseconds, plus the ticks of children it
 * has reaped (the kernel keeps those only in clock ticks). A zombie has no threads left to read: its own
 * ticks count until its parent reaps it (then they move to the parent's cutime). A thread that exited
 * takes its nanoseconds with it; servers keep their threads (Node's pool, V8's helpers) for their life.
 * Without schedstat (a kernel without CONFIG_SCHED_INFO) the process's own ticks are used.
 */
function processCpuSeconds(member: TreeMember, ticks: number, threads: Map<string, number>): number {
  const { stat, tasks } = member;
  const reaped = (stat.cutime + stat.cstime) / ticks;
  if (stat.state === 'Z' || tasks.length === 0) return (stat.utime + stat.stime) / ticks + reaped;
  let ns = 0;
  for (const tid of tasks) {
    const t = threadCpuNs(stat.pid, tid);
    if (t === null) return (stat.utime + stat.stime) / ticks + reaped;
    ns += t;
    threads.set(`${stat.pid}/${tid}`, t / 1e9);
  }
  // Threads that already exited (a thread per connection that closed, a JIT's compiler thread that ended)
  // are in the process's utime + stime but no longer in any thread's schedstat. Those ticks are truncated
  // from the exact run time and read before the threads, so the difference never exceeds what exited.
  const exited = Math.max(0, (stat.utime + stat.stime) / ticks - ns / 1e9);
  return ns / 1e9 + exited + reaped;
}

/** Live (non-zombie) members of a process group. A zombie holds no memory or CPU, only a pid entry. */
export function listGroup(pgid: number): number[] {
  return listProcesses()
    .filter((p) => p.pgrp === pgid && p.state !== 'Z')
    .map((p) => p.pid);
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== 'Z';
}

function readMemory(pid: number): { rss: number; rssAnon: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  };
  return { rss: kib('VmRSS'), rssAnon: kib('RssAnon') };
}

/**
 * One sample of the tree under rootPid. RSS is summed over processes, so pages shared between them are
 * counted once per process (fine for comparing base with head, which share the same shape).
 * CPU is nanosecond run time of every live thread, plus what its process's threads that exited used, plus
 * cutime/cstime so a worker that exits and is reaped by its parent keeps its CPU in the sum.
 */
export function sampleTree(rootPid: number): TreeSample {
  const ticks = clockTicksPerSecond();
  let cpuSeconds = 0;
  let rssBytes = 0;
  let rssAnonBytes = 0;
  let pids = 0;
  const threads = new Map<string, number>();
  for (const member of treeMembers(rootPid)) {
    cpuSeconds += processCpuSeconds(member, ticks, threads);
    if (member.stat.state === 'Z') continue;
    const mem = readMemory(member.stat.pid);
    if (!mem) continue; // vanished between the two reads
    rssBytes += mem.rss;
    rssAnonBytes += mem.rssAnon;
    pids += 1;
  }
  return { cpuSeconds, threads, rssBytes, rssAnonBytes, pids };
}

/**
 * Sample the tree every intervalMs until stop(). cpuSeconds is the CPU used between start and stop
 * (last sample in which the root was alive); peaks are over all samples. CPU of a process that was
 * orphaned out of the tree and died between samples is lost: servers rarely do that.
 */
export function monitorTree(rootPid: number, intervalMs = 200): TreeMonitor {
  const first = sampleTree(rootPid);
  const startedAt = performance.now();
  let last = first;
  let lastAt = startedAt;
  let peakRssBytes = first.rssBytes;
  let peakRssAnonBytes = first.rssAnonBytes;
  let stopped = false;
  let result: TreeUsage | undefined;

  const take = (): void => {
    const sample = sampleTree(rootPid);
    if (sample.pids === 0 && sample.cpuSeconds === 0) return; // root gone: keep the last real sample
    last = sample;
    lastAt = performance.now();
    peakRssBytes = Math.max(peakRssBytes, sample.rssBytes);
    peakRssAnonBytes = Math.max(peakRssAnonBytes, sample.rssAnonBytes);
  };

  const timer = setInterval(take, intervalMs);
  // Sampling must never keep the process alive on its own.
  timer.unref();

  return {
    stop(): TreeUsage {
      if (stopped) return result!;
      stopped = true;
      clearInterval(timer);
      take();
      let busiest = 0;
      // A thread born during the window ran only inside it: all of its time counts.
      for (const [id, seconds] of last.threads) busiest = Math.max(busiest, seconds - (first.threads.get(id) ?? 0));
      result = {
        cpuSeconds: Math.max(0, last.cpuSeconds - first.cpuSeconds),
        wallSeconds: (lastAt - startedAt) / 1000,
        busiestThreadSeconds: busiest,
        peakRssBytes,
        peakRssAnonBytes,
      };
      return result;
    },
  };
}
