// One running service: its command started through the job's sandbox (phase 'serve': the job's network
// namespace, its own PID namespace, only its data dir writable), watched until ready, and stopped the way
// the server itself wants to be stopped, so that what it wrote is on disk when a template is taken. Its
// process tree is its own, apart from the app server's: its CPU and memory are read from /proc separately.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { listProcesses, monitorTree, type TreeMonitor } from '../bench/proc-tree.ts';
import { registerGroup, unregisterGroup } from '../bench/process-group.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';

/** How readiness is seen: a log line, or a check polled until it says yes (a command, HTTP, a TCP connect). */
export type ReadyCheck = { log: RegExp } | { poll: () => Promise<boolean>; what: string };

export interface ServiceProcessOptions {
  /** Names it in messages, e.g. "base db (postgres)". */
  label: string;
  command: string;
  cwd: string;
  env: Record<string, string>;
  sandbox: Sandbox;
  writable: readonly string[];
  readOnly?: readonly string[];
  cpus?: string;
  ready: ReadyCheck;
  readyTimeoutMs: number;
  stopSignal: NodeJS.Signals;
  /** Process names the stop signal goes to; empty: every process of the command but our wrappers. */
  mainNames: readonly string[];
}

/** The service exited before it was ready, or was not ready in time: with its last output. */
export class ServiceStartError extends Error {
  override readonly name = 'ServiceStartError';
  constructor(
    message: string,
    readonly output: string,
    /** The service's name in the config (services.NAME), once known. */
    readonly service?: string,
  ) {
    super(message);
  }
}

export interface ServiceProcess {
  /** The pid we spawned (the sandbox's outermost process); its tree is the service's. */
  readonly pid: number;
  readonly exited: boolean;
  outputTail(lines?: number): string;
  /** Sample its process tree (CPU, memory) until stop() of the monitor. */
  monitor(intervalMs?: number): TreeMonitor;
  /** A clean stop (the kind's own signal), then SIGKILL after graceMs; resolves once everything is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Processes of ours between the spawned pid and the service: the sandbox chain and the command's shell. */
const WRAPPERS = new Set(['bwrap', 'nsenter', 'taskset', 'prlimit', 'setpriv', 'sh', 'dash', 'bash', 'cgroup-join']);

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * The service's own main processes under `root`: the first processes named `names` (postgres' postmaster,
 * not its workers, which the postmaster stops itself), or, with no names, the topmost that are not ours.
 */
export function mainProcesses(root: number, names: readonly string[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of listProcesses()) {
    if (p.state === 'Z') continue;
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const found: number[] = [];
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const comm = commOf(pid);
    if (names.length > 0 ? names.includes(comm) : comm !== '' && !WRAPPERS.has(comm)) {
      found.push(pid);
      continue;
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class OutputTail {
  private text = '';
  push(chunk: Buffer): void {
    this.text += chunk.toString();
    if (this.text.length > 64_000) this.text = this.text.slice(-32_000);
  }
  get all(): string {
    return this.text;
  }
  tail(lines = 20): string {
    return this.text.trimEnd().split('\n').slice(-lines).join('\n');
  }
}

export async function startServiceProcess(opts: ServiceProcessOptions): Promise<ServiceProcess> {
  const plan = await opts.sandbox.plan({
    command: opts.command, cwd: opts.cwd, env: opts.env, phase: 'serve', writable: opts.writable, readOnly: opts.readOnly, cpus: opts.cpus,
  });
  const output = new OutputTail();
  const child = spawn(plan.file, plan.args, { cwd: plan.cwd, env: plan.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => output.push(c));
  child.stderr.on('data', (c: Buffer) => output.push(c));
  let exited = false;
  let spawnError: Error | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (err) => {
      spawnError = err;
      exited = true;
      resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    await exit;
    await plan.release();
    throw new ServiceStartError(`${opts.label} could not be started: ${(spawnError as Error | null)?.message ?? 'spawn failed'}`, '');
  }
  plan.spawned(pid);
  registerGroup(pid);

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 15_000): Promise<void> => {
    stopping ??= (async () => {
      if (!exited) {
        const mains = mainProcesses(pid, opts.mainNames);
        for (const main of mains) {
          try {
            process.kill(main, opts.stopSignal);
          } catch {
            /* gone already */
          }
        }
        if (mains.length === 0) killGroup(pid, 'SIGTERM');
        await Promise.race([exit, sleep(graceMs)]);
      }
      if (!exited) {
        // Ending the sandbox's outermost process ends its PID namespace, and every process in it.
        killGroup(pid, 'SIGKILL');
        await Promise.race([exit, sleep(5_000)]);
      }
      unregisterGroup(pid);
      await plan.release();
    })();
    return stopping;
  };

  const deadline = Date.now() + opts.readyTimeoutMs;
  const ready = opts.ready;
  for (;;) {
    if (exited) {
      await sleep(20); // the last lines (the reason) arrive just after the exit
      await stop();
      throw new ServiceStartError(`${opts.label} exited before it was ready (code ${child.exitCode ?? child.signalCode})`, output.tail());
    }
    if ('log' in ready ? ready.log.test(output.all) : await ready.poll()) break;
    if (Date.now() > deadline) {
      await stop(2_000);
      const waited = 'log' in ready ? `its log never said /${ready.log.source}/` : `${ready.what} never succeeded`;
      throw new ServiceStartError(`${opts.label} was not ready within ${Math.round(opts.readyTimeoutMs / 1000)} s: ${waited}`, output.tail());
    }
    await Promise.race([sleep('log' in ready ? 25 : 150), exit]);
  }

  return {
    pid,
    get exited() {
      return exited;
    },
    outputTail: (lines) => output.tail(lines),
    monitor: (intervalMs = 100) => monitorTree(pid, intervalMs),
    stop,
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* gone */
  }
}
