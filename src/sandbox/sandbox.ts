// The one launcher for code from the repository under test: install (and bisect's pin installs), build,
// and the server with everything it spawns. Each command runs in a fresh bubblewrap sandbox:
// - its own uid (a real one when we are root), no capabilities, no setuid escalation;
// - its own PID namespace and /proc: it cannot see or signal the App, and when the command ends (or is
//   killed) every process it started dies with the namespace, `setsid` daemons included;
// - a filesystem of the system and runtimes (read-only), its worktree (read-write), the install cache
//   entry and the repo's git directory (read-only), and a private HOME, /tmp, /var/tmp and /dev/shm;
// - network: installs and builds reach package registries only, through registry-proxy.ts; servers listen
//   in the job's own network namespace (job-network.ts), loopback only, unless the config says `network: host`;
// - a memory and process limit (cgroups, when we may make them) and a wall-clock deadline.
// Without a sandbox (the CLI on a machine without bubblewrap) the same calls run the command plainly.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountArgs, systemMounts, type Mount } from './filesystem.ts';
import { openJobNetwork, type JobNetwork } from './job-network.ts';
import { DEFAULT_REGISTRY_HOSTS, HostAllowList, startRegistryProxy, type RegistryProxy } from './registry-proxy.ts';
import { boundToParent, dropPrivileges, namespaceFlags, sandboxSupport, sandboxUid, type SandboxSupport } from './support.ts';

const helpersDir = fileURLToPath(new URL('./helpers/', import.meta.url));
const bridgePath = path.join(helpersDir, 'proxy-bridge.cjs');
/** Where the registry proxy's socket appears inside an install's sandbox, and the port the bridge serves. */
const PROXY_SOCKET_INSIDE = '/run/bumpbench/registry.sock';
const PROXY_PORT_INSIDE = 3128;
const SANDBOX_HOME = '/home/bumpbench';

export type NetworkPolicy = 'loopback' | 'host';
export type CommandPhase = 'install' | 'build' | 'serve';

export interface SandboxLimits {
  memoryBytes: number;
  processes: number;
}

export interface SandboxSettings {
  /** Run commands in bwrap; false runs them plainly (the CLI without bubblewrap, or --no-sandbox). */
  enabled: boolean;
  /** This job's scratch space: per-command homes and temp dirs, the proxy socket. Removed by close(). */
  scratchDir: string;
  /** `loopback`: servers in the job's own network namespace, installs via the registry proxy. `host`: the host's network. */
  network: NetworkPolicy;
  /** host or host:port an install or build may reach besides DEFAULT_REGISTRY_HOSTS. */
  allowHosts: readonly string[];
  /** Read-only paths every command sees besides the system (the repo's git directory). */
  readOnly: readonly string[];
  limits: SandboxLimits;
}

export interface CommandSpec {
  command: string;
  cwd: string;
  /** The whole environment of the command (built from scratch by the caller; never process.env). */
  env: Record<string, string>;
  phase: CommandPhase;
  /** Read-write paths: the side's worktree, an install cache entry being filled. */
  writable: readonly string[];
  /** Read-only paths: install cache entries the worktree links to. */
  readOnly?: readonly string[];
  /** CPU list for taskset. */
  cpus?: string;
}

/** How to spawn one command, and what to clean up after it exited. */
export interface SpawnPlan {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Kill what is left of it (nothing, normally: its PID namespace died with it) and remove its scratch. */
  release(): Promise<void>;
  /** Tell the sandbox the plan's process started (its pid leads a process group), so close() can end it. */
  spawned(pid: number): void;
}

export interface CommandResult {
  code: number | null;
  output: string;
  /** The deadline passed and the command was killed. */
  timedOut: boolean;
  /** Hosts the registry proxy refused during this command (install/build), for the error message. */
  refusedHosts: string[];
}

export const DEFAULT_LIMITS: SandboxLimits = { memoryBytes: 8 * 1024 ** 3, processes: 2048 };

/** Operator overrides of the limits (BUMPBENCH_SANDBOX_MEMORY_MB, BUMPBENCH_SANDBOX_PROCESSES). */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxLimits {
  const mb = Number(env.BUMPBENCH_SANDBOX_MEMORY_MB);
  const procs = Number(env.BUMPBENCH_SANDBOX_PROCESSES);
  return {
    memoryBytes: Number.isFinite(mb) && mb > 0 ? mb * 1024 ** 2 : DEFAULT_LIMITS.memoryBytes,
    processes: Number.isInteger(procs) && procs > 0 ? procs : DEFAULT_LIMITS.processes,
  };
}

function tail(text: string, max = 20_000): string {
  return text.length > max ? text.slice(-max) : text;
}

export class Sandbox {
  private readonly support: SandboxSupport | null;
  private network: Promise<JobNetwork> | null = null;
  private proxy: Promise<RegistryProxy> | null = null;
  private readonly allowList: HostAllowList;
  private commands = 0;
  private system: Mount[] | null = null;
  /** This job's /etc/passwd and /etc/group, written once: the sandbox's uid has a name in them. */
  private identity: Promise<{ passwd: string; group: string }> | null = null;
  /** Process groups of plans spawned and not yet released: what close() kills, and nothing of other jobs. */
  private readonly live = new Set<number>();
  private abortHook: { signal: AbortSignal; listener: () => void } | null = null;

  constructor(readonly settings: SandboxSettings) {
    this.support = settings.enabled ? sandboxSupport() : null;
    if (this.support && !this.support.ok) throw new Error(`the sandbox does not work on this machine: ${this.support.reason}`);
    this.allowList = new HostAllowList([...DEFAULT_REGISTRY_HOSTS, ...settings.allowHosts]);
  }

  get enabled(): boolean {
    return this.support !== null;
  }

  private get asRoot(): boolean {
    return this.support?.asRoot ?? false;
  }

  /** The uid that must own a path the sandbox writes to (root mode), or null when ownership needs no change. */
  private get ownerUid(): number | null {
    return this.asRoot ? sandboxUid() : null;
  }

  /** Make a tree the sandbox may write (a fresh worktree) belong to the sandbox's uid. */
  async handOver(dir: string): Promise<void> {
    const uid = this.ownerUid;
    if (uid === null) return;
    await new Promise<void>((resolve, reject) => {
      const child = spawn('chown', ['-R', `${uid}:${uid}`, dir], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`chown -R ${uid} ${dir} exited with ${code}`))));
    });
  }

  /** Command prefix that puts our own helpers (load generator) into the servers' network, or [] when they share ours. */
  async networkPrefix(): Promise<string[]> {
    if (!this.enabled || this.settings.network === 'host') return [];
    return (await this.jobNetwork()).enter;
  }

  /** GET url where the servers listen; the status, or null. */
  async probe(url: string, timeoutMs: number): Promise<number | null> {
    if (!this.enabled || this.settings.network === 'host') return probeHere(url, timeoutMs);
    return (await this.jobNetwork()).probe(url, timeoutMs);
  }

  /** Whether 127.0.0.1:port accepts a TCP connection where the servers listen (a service without HTTP). */
  async connects(port: number, timeoutMs: number): Promise<boolean> {
    if (!this.enabled || this.settings.network === 'host') return connectsHere('127.0.0.1', port, timeoutMs);
    return (await this.jobNetwork()).connects('127.0.0.1', port, timeoutMs);
  }

  private jobNetwork(): Promise<JobNetwork> {
    this.network ??= openJobNetwork(this.asRoot);
    return this.network;
  }

  private registryProxy(): Promise<RegistryProxy> {
    this.proxy ??= (async () => {
      await mkdir(this.settings.scratchDir, { recursive: true });
      return startRegistryProxy(path.join(this.settings.scratchDir, 'registry.sock'), this.allowList);
    })();
    return this.proxy;
  }

  /** Hosts refused so far in this job (the proxy is per job). */
  async refusedHosts(): Promise<string[]> {
    return this.proxy ? (await this.proxy).refused() : [];
  }

  async plan(spec: CommandSpec): Promise<SpawnPlan> {
    const taskset = spec.cpus ? ['taskset', '-c', spec.cpus] : [];
    if (!this.support) {
      const [file, ...args] = [...taskset, '/bin/sh', '-c', spec.command];
      return this.tracked({ file, args, cwd: spec.cwd, env: spec.env, release: async () => {} });
    }
    const scratch = path.join(this.settings.scratchDir, `cmd-${++this.commands}-${spec.phase}`);
    const dirs = { home: path.join(scratch, 'home'), tmp: path.join(scratch, 'tmp'), varTmp: path.join(scratch, 'var-tmp') };
    for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
    if (this.ownerUid !== null) await this.handOver(scratch);

    const viaProxy = spec.phase !== 'serve' && this.settings.network === 'loopback';
    const env: Record<string, string> = { ...spec.env, HOME: SANDBOX_HOME, TMPDIR: '/tmp' };
    // From our own PATH, not the command's: that one also names the project's .venv/bin, a job path.
    const system = (this.system ??= systemMounts(process.env.PATH ?? ''));
    // Private temp dirs before the job's paths: a job path under /tmp (tests keep data dirs there) goes on top.
    const privateDirs: Mount[] = [
      { kind: 'rw', from: dirs.tmp, path: '/tmp' },
      { kind: 'rw', from: dirs.varTmp, path: '/var/tmp' },
      { kind: 'rw', from: dirs.home, path: SANDBOX_HOME },
    ];
    const jobMounts: Mount[] = [
      ...[...this.settings.readOnly, ...(spec.readOnly ?? [])].filter((p) => existsSync(p)).map((p): Mount => ({ kind: 'ro', path: p })),
      ...spec.writable.map((p): Mount => ({ kind: 'rw', path: p })),
    ];
    let inner = ['/bin/sh', '-c', spec.command];
    if (viaProxy) {
      const proxy = await this.registryProxy();
      jobMounts.push({ kind: 'ro', path: helpersDir.replace(/\/$/, '') }, { kind: 'rw', from: proxy.socketPath, path: PROXY_SOCKET_INSIDE });
      inner = [process.execPath, bridgePath, PROXY_SOCKET_INSIDE, String(PROXY_PORT_INSIDE), '--', ...inner];
      Object.assign(env, proxyEnv(`http://127.0.0.1:${PROXY_PORT_INSIDE}`));
    }

    const identity = await this.identityFiles();
    const mounted = new Set<string>();
    const bwrapArgs = [
      ...namespaceFlags(this.asRoot, viaProxy ? 'none' : 'inherit'),
      ...mountArgs(system, mounted),
      // Over the system's: programs that look their own uid up (initdb, postgres, whoami, getpass) find it.
      ...mountArgs([{ kind: 'ro', from: identity.passwd, path: '/etc/passwd' }, { kind: 'ro', from: identity.group, path: '/etc/group' }], mounted),
      // A fresh /dev; its /dev/shm (POSIX shared memory, semaphores) private and writable by everyone, as usual.
      '--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--tmpfs', '/dev/shm',
      ...mountArgs(privateDirs, mounted),
      ...mountArgs(jobMounts, mounted),
      '--chdir', spec.cwd,
      '--', ...dropPrivileges(this.asRoot), ...inner,
    ];
    const enterNetwork = spec.phase === 'serve' && this.settings.network === 'loopback' ? (await this.jobNetwork()).enter : [];
    const limits = this.settings.limits;
    const cgroup = await this.makeCgroup(limits);
    const chain = [
      // Dies with us, whatever moment we die at (a worker killed while a server starts leaves nothing).
      ...boundToParent(),
      ...(cgroup ? ['/bin/sh', '-c', 'for g in "$1" "$2"; do echo $$ > "$g/cgroup.procs" || exit 126; done; shift 2; exec "$@"', 'cgroup-join', cgroup.memory, cgroup.pids] : []),
      ...enterNetwork,
      ...taskset,
      'prlimit', `--nproc=${limits.processes}`, '--',
      'bwrap', ...bwrapArgs,
    ];
    const [file, ...args] = chain;
    return this.tracked({
      file,
      args,
      cwd: spec.cwd,
      env,
      release: async () => {
        if (cgroup) removeCgroup(cgroup);
        await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
      },
    });
  }

  /**
   * The accounts a sandboxed command sees: root, nobody and its own uid (`bumpbench`). The host's own list
   * stays out (it names the App's user and the machine's services), and a database server that refuses to
   * run under a uid without a name (PostgreSQL's initdb and postgres) runs.
   */
  private identityFiles(): Promise<{ passwd: string; group: string }> {
    this.identity ??= (async () => {
      const dir = path.join(this.settings.scratchDir, 'identity');
      await mkdir(dir, { recursive: true });
      const id = sandboxUid();
      const passwd = path.join(dir, 'passwd');
      const group = path.join(dir, 'group');
      await writeFile(passwd, `root:x:0:0:root:/root:/usr/sbin/nologin\nbumpbench:x:${id}:${id}:bumpbench sandbox:${SANDBOX_HOME}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`, { mode: 0o644 });
      await writeFile(group, `root:x:0:\nbumpbench:x:${id}:\nnogroup:x:65534:\n`, { mode: 0o644 });
      return { passwd, group };
    })();
    return this.identity;
  }

  /** The plan, with its process group remembered from spawn to release. */
  private tracked(plan: Omit<SpawnPlan, 'spawned'>): SpawnPlan {
    let pid: number | null = null;
    return {
      ...plan,
      spawned: (p) => {
        pid = p;
        this.live.add(p);
      },
      release: async () => {
        if (pid !== null) this.live.delete(pid);
        await plan.release();
      },
    };
  }

  /**
   * Run a command to its end, within `deadlineMs`. It is awaited on exit, not on its pipes closing: a
   * daemon that kept stdout open dies with the sandbox, and without one we stop reading after a moment.
   */
  async run(spec: CommandSpec & { deadlineMs: number; signal?: AbortSignal }): Promise<CommandResult> {
    spec.signal?.throwIfAborted();
    const refusedBefore = (await this.refusedHosts()).length;
    const plan = await this.plan(spec);
    try {
      const result = await runPlan(plan, spec.deadlineMs, spec.signal);
      return { ...result, refusedHosts: (await this.refusedHosts()).slice(refusedBefore) };
    } finally {
      await plan.release();
    }
  }

  private async makeCgroup(limits: SandboxLimits): Promise<{ memory: string; pids: string } | null> {
    const roots = this.support?.cgroups;
    if (!roots) return null;
    const name = `cmd-${randomUUID().slice(0, 12)}`;
    const memory = path.join(roots.memory, name);
    const pids = path.join(roots.pids, name);
    try {
      await mkdir(memory);
      if (pids !== memory) await mkdir(pids);
      if (roots.version === 1) {
        await writeFile(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      } else {
        await writeFile(path.join(memory, 'memory.max'), String(limits.memoryBytes));
        await writeFile(path.join(memory, 'memory.swap.max'), '0').catch(() => undefined);
      }
      await writeFile(path.join(pids, 'pids.max'), String(limits.processes));
      return { memory, pids };
    } catch {
      removeCgroup({ memory, pids });
      return null;
    }
  }

  /** SIGKILL every process group of this job that is still running; nothing of other jobs. */
  killAll(): void {
    for (const pid of this.live) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  /**
   * When the job is cancelled (or the worker shuts down), end its commands and servers at once rather than
   * at their deadlines: a server waiting to become ready, an install that hangs. The job's own unwinding
   * then finds them gone.
   */
  endOnAbort(signal: AbortSignal | undefined): void {
    if (!signal) return;
    const listener = () => this.killAll();
    if (signal.aborted) return listener();
    signal.addEventListener('abort', listener, { once: true });
    this.abortHook = { signal, listener };
  }

  /**
   * End everything this job started that is still running (a server whose stop never came: the job
   * failed half-way), stop the job's network and proxy, and remove the scratch space. Only this job's
   * processes: other jobs in the same process (a fleet runner with several slots) keep theirs.
   */
  async close(): Promise<void> {
    this.abortHook?.signal.removeEventListener('abort', this.abortHook.listener);
    this.abortHook = null;
    this.killAll();
    this.live.clear();
    const network = this.network;
    const proxy = this.proxy;
    this.network = null;
    this.proxy = null;
    this.identity = null;
    await (await network?.catch(() => null))?.close();
    await (await proxy?.catch(() => null))?.close();
    await rm(this.settings.scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function removeCgroup(cgroup: { memory: string; pids: string }): void {
  for (const dir of new Set([cgroup.memory, cgroup.pids])) {
    try {
      rmdirSync(dir);
    } catch {
      /* not made, or a process is still dying in it: the kernel frees it once empty */
    }
  }
}

/** The proxy settings every package manager we run reads (npm, pnpm, yarn classic and berry, pip, git). */
function proxyEnv(url: string): Record<string, string> {
  return {
    HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url,
    npm_config_proxy: url, npm_config_https_proxy: url, npm_config_noproxy: '',
    YARN_HTTP_PROXY: url, YARN_HTTPS_PROXY: url,
    NO_PROXY: '', no_proxy: '',
  };
}

/** Spawn a plan and wait for it to exit (or the deadline, or the abort signal), keeping the output's tail. */
export function runPlan(plan: SpawnPlan, deadlineMs: number, signal?: AbortSignal): Promise<Omit<CommandResult, 'refusedHosts'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(plan.file, plan.args, { cwd: plan.cwd, env: plan.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) plan.spawned(child.pid);
    let output = '';
    const keep = (chunk: Buffer) => {
      output = tail(output + chunk.toString());
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const killAll = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killAll();
    }, deadlineMs);
    const onAbort = () => killAll();
    if (signal?.aborted) killAll();
    else signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Whatever is still writing to our pipes (a daemon of an unsandboxed command) gets a moment, then no more.
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code: timedOut ? null : code, output, timedOut });
      };
      child.once('close', done);
      setTimeout(() => {
        if (finished) return;
        killAll();
        done();
      }, 200);
    });
  });
}

/** Whether host:port accepts a TCP connection from here within timeoutMs. */
export function connectsHere(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const answer = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => answer(true));
    socket.once('timeout', () => answer(false));
    socket.once('error', () => answer(false));
  });
}

/** GET url from here; the status, or null on any error or after timeoutMs. */
export function probeHere(url: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}
