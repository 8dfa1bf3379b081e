// Whether this machine can sandbox the code under test, and how: bubblewrap (Debian's `bubblewrap`)
// making user, PID, mount, network, IPC and UTS namespaces. As root we first drop to a dedicated uid with
// util-linux's `setpriv`, so the sandboxed processes have a real uid of their own outside the namespaces
// too (they cannot read the App's files or /proc/<pid>/environ even if they escaped the mount namespace).
// As another user, bwrap maps a uid inside a user namespace; isolation then rests on the namespaces alone.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';

/** The uid (and gid) sandboxed commands run as when bumpbench runs as root. */
export function sandboxUid(): number {
  const configured = Number(process.env.BUMPBENCH_SANDBOX_UID);
  return Number.isInteger(configured) && configured > 0 ? configured : 61_000;
}

export interface SandboxSupport {
  ok: boolean;
  /** Why not, with how to fix it (present when !ok). */
  reason?: string;
  /** Running as root: commands drop to sandboxUid() before bwrap. */
  asRoot: boolean;
  /** cgroup v1/v2 directories bumpbench can create limit groups in (root only), when any. */
  cgroups: CgroupRoots | null;
}

export interface CgroupRoots {
  version: 1 | 2;
  /** v1: the memory and pids hierarchies; v2: one unified directory (with both controllers enabled). */
  memory: string;
  pids: string;
}

let cached: SandboxSupport | undefined;

/**
 * bwrap's namespace flags. As root bwrap runs privileged without a user namespace (so the uid we drop to
 * is real); otherwise it makes a user namespace and maps our uid to sandboxUid() inside it. `net`: 'none'
 * makes a network namespace with only loopback; 'inherit' keeps the caller's (a job's shared namespace
 * entered with nsenter, or the host's when the config says `network: host`).
 */
export function namespaceFlags(asRoot: boolean, net: 'none' | 'inherit'): string[] {
  const flags = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--die-with-parent', '--new-session'];
  if (net === 'none') flags.push('--unshare-net');
  if (!asRoot) flags.push('--unshare-user', '--uid', String(sandboxUid()), '--gid', String(sandboxUid()));
  return flags;
}

/** As root: the command inside bwrap drops to the sandbox uid with no capabilities and no way back (setuid binaries included). */
export function dropPrivileges(asRoot: boolean): string[] {
  if (!asRoot) return [];
  const id = String(sandboxUid());
  return ['setpriv', `--reuid=${id}`, `--regid=${id}`, '--clear-groups', '--no-new-privs', '--bounding-set=-all', '--inh-caps=-all', '--'];
}

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** Detects once per process (a trivial sandboxed `true` must succeed). */
export function sandboxSupport(): SandboxSupport {
  if (cached) return cached;
  const asRoot = process.getuid?.() === 0;
  const missing = ['bwrap', 'nsenter', 'prlimit', 'setpriv'].filter((c) => !which(c));
  if (missing.length > 0) {
    const pkg = missing.includes('bwrap') ? 'bubblewrap util-linux' : 'util-linux';
    cached = { ok: false, asRoot, cgroups: null, reason: `${missing.join(', ')} not found: install them (Debian/Ubuntu: apt-get install -y ${pkg})` };
    return cached;
  }
  const probe = ['bwrap', ...namespaceFlags(asRoot, 'none'), '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', ...dropPrivileges(asRoot), 'true'];
  try {
    execFileSync(probe[0], probe.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split('\n')[0];
    cached = {
      ok: false,
      asRoot,
      cgroups: null,
      reason:
        `bubblewrap cannot create namespaces here (${stderr}). Unprivileged user namespaces must be allowed ` +
        `(sysctl user.max_user_namespaces > 0, kernel.unprivileged_userns_clone=1 where it exists, kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu 24.04+); ` +
        `in a container, allow them (docs/deployment.md, "The sandbox")`,
    };
    return cached;
  }
  cached = { ok: true, asRoot, cgroups: asRoot ? findCgroupRoots() : null };
  return cached;
}

/** For tests: forget what was detected. */
export function resetSandboxSupport(): void {
  cached = undefined;
}

/** Our own cgroup in a hierarchy ("" for v2's unified one), from /proc/self/cgroup. */
function ownCgroup(controller: string): string | null {
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, where] = line.split(':');
    if (where !== undefined && controllers.split(',').includes(controller)) return where;
  }
  return null;
}

/**
 * Where per-command limit groups can be made: cgroup v2 with memory+pids, else v1's two hierarchies. They
 * go under our own group (a service manager's or a container's), never beside it, so whatever limits and
 * tracks us still limits and tracks the code we start.
 */
function findCgroupRoots(): CgroupRoots | null {
  const v2 = ownCgroup('');
  const unified = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'].find((d) => existsSync(`${d}/cgroup.controllers`));
  if (unified && v2 !== null) {
    const controllers = readFileSync(`${unified}/cgroup.controllers`, 'utf8');
    const dir = `${unified}${v2 === '/' ? '' : v2}/bumpbench`;
    if (/\bmemory\b/.test(controllers) && /\bpids\b/.test(controllers)) {
      try {
        mkdirSync(dir, { recursive: true });
        // v2 lets a group hold either processes or children with controllers: ours holds only children.
        execFileSync('sh', ['-c', `echo +memory +pids > ${dir}/cgroup.subtree_control`], { stdio: 'ignore', timeout: 5_000 });
        return { version: 2, memory: dir, pids: dir };
      } catch {
        /* fall through to v1 */
      }
    }
  }
  const memoryOwn = ownCgroup('memory');
  const pidsOwn = ownCgroup('pids');
  if (memoryOwn === null || pidsOwn === null) return null;
  const memory = `/sys/fs/cgroup/memory${memoryOwn === '/' ? '' : memoryOwn}/bumpbench`;
  const pids = `/sys/fs/cgroup/pids${pidsOwn === '/' ? '' : pidsOwn}/bumpbench`;
  try {
    mkdirSync(memory, { recursive: true });
    mkdirSync(pids, { recursive: true });
    if (!existsSync(`${memory}/memory.limit_in_bytes`) || !existsSync(`${pids}/pids.max`)) return null;
    accessSync(`${memory}/cgroup.procs`, constants.W_OK);
    return { version: 1, memory, pids };
  } catch {
    return null;
  }
}

/**
 * A prefix that ties a command's life to this process: SIGKILL when we die (PR_SET_PDEATHSIG, which the
 * execs that follow keep), and an exit at once when we died before that was set. bubblewrap's own
 * --die-with-parent leaves that window open (between our fork and its prctl), and a worker killed during a
 * server's start then left the sandbox running for good; the shell closes it by checking, after the
 * signal is armed, that its parent is still the process that started it.
 */
export function boundToParent(pid = process.pid): string[] {
  return ['setpriv', '--pdeathsig', 'KILL', '--', '/bin/sh', '-c', 'test "$PPID" = "$1" || exit 125; shift; exec "$@"', 'bound-to-parent', String(pid)];
}

