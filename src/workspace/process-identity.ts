// A process named so that no other process can ever be taken for it: host, pid, the process's start time
// (clock ticks since boot, /proc/<pid>/stat field 22) and the kernel's boot id. After a container restart
// the new process often has the same hostname and pid as the dead one; it never has the same start time
// on the same boot.
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

export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 12);
  } catch {
    return 'noboot';
  }
}

/** `host:pid:start:boot` of this process. */
export function processIdentity(): string {
  return [hostname(), process.pid, processStartTime(process.pid) ?? '0', bootId()].join(':');
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/**
 * Whether the process an identity names (`host:pid:start:boot`, anything after it ignored) still runs.
 * `unknown` for another host. Identities without start time and boot (`host:pid:random`, older worker ids)
 * are judged by the pid alone.
 */
export function identityLiveness(identity: string | null): Liveness {
  if (!identity) return 'dead';
  const [host, pidText, start, boot] = identity.split(':');
  if (host !== hostname()) return 'unknown';
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return 'dead';
  if (boot !== undefined) {
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
