// Who claimed a job, in a form a restarted process can never mistake for itself. A pid alone is not enough:
// after a container restart (tini, Kubernetes) the new process often has the same hostname and the same
// pid as the dead one, so "is pid N alive?" answers yes for a job nobody runs any more. The id therefore
// carries the process's start time (clock ticks since boot, /proc/<pid>/stat field 22) and the kernel's
// boot id: a process with that pid is the claimer only when it also started at that very tick of that boot.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** The start time of a process in clock ticks since boot, or null when there is no such process (or no /proc). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall: state is field 3, the first after ')'
  } catch {
    return null;
  }
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 12);
  } catch {
    return 'noboot';
  }
}

/**
 * `host:pid:start:boot:random`. The random part makes two workers of one process (fleet slots, the soak
 * lane) distinct; the rest lets any process on the same host tell whether the claimer still runs.
 */
export function newWorkerId(): string {
  return [hostname(), process.pid, processStartTime(process.pid) ?? '0', bootId(), randomBytes(4).toString('hex')].join(':');
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/**
 * Whether the process that made this worker id still runs. `unknown` for another host (only its heartbeat
 * can tell). Ids from before start times were recorded (`host:pid:random`) are judged by the pid alone.
 */
export function workerLiveness(workerId: string | null): Liveness {
  if (!workerId) return 'dead';
  const [host, pidText, start, boot] = workerId.split(':');
  if (host !== hostname()) return 'unknown';
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return 'dead';
  const legacy = boot === undefined;
  if (!legacy) {
    if (boot !== bootId()) return 'dead'; // the machine rebooted since
    return processStartTime(pid) === start ? 'alive' : 'dead';
  }
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'dead';
  }
}
