// Who claimed a job, in a form a restarted process can never mistake for itself: the identity of the
// process (src/workspace/process-identity.ts: host, pid, start time, boot) plus a random part, so that two
// workers of one process (fleet slots, the soak lane) are distinct too. A pid alone is not enough: after a
// container restart (tini, Kubernetes) the new process often has the same hostname and pid as the dead one,
// so "is pid N alive?" answers yes for a job nobody runs any more.
import { randomBytes } from 'node:crypto';
import { identityLiveness, processIdentity, type Liveness } from '../workspace/process-identity.ts';

export { processStartTime } from '../workspace/process-identity.ts';
export type { Liveness } from '../workspace/process-identity.ts';

/** `host:pid:start:boot:random`. */
export function newWorkerId(): string {
  return `${processIdentity()}:${randomBytes(4).toString('hex')}`;
}

/** Whether the process that made this worker id still runs (`unknown` on another host: only its heartbeat can tell). */
export function workerLiveness(workerId: string | null): Liveness {
  return identityLiveness(workerId);
}
