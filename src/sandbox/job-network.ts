// A job's own network namespace, where its servers listen on loopback and nothing else is reachable.
// A sleeping bwrap holds it open; servers start in it (nsenter, then bwrap without --unshare-net), and so
// do the load generator and the readiness prober (our code, outside every other namespace), so requests
// never cross a proxy and the measured path is the plain loopback it always was.
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dropPrivileges, namespaceFlags } from './support.ts';

const proberPath = fileURLToPath(new URL('./helpers/netns-prober.cjs', import.meta.url));

export interface JobNetwork {
  /** Command prefix that runs a program inside the namespace: `nsenter --net=/proc/N/ns/net --`. */
  readonly enter: string[];
  /** GET url from inside the namespace: the status, or null when nothing answered within timeoutMs. */
  probe(url: string, timeoutMs: number): Promise<number | null>;
  close(): Promise<void>;
}

function readChildPid(holder: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const info = holder.stdio[3] as NodeJS.ReadableStream | null;
    const timer = setTimeout(() => reject(new Error(`the network namespace holder did not start within ${timeoutMs} ms`)), timeoutMs);
    info?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    holder.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the network namespace holder exited (code ${code}) before it started`));
    });
  });
}

export async function openJobNetwork(asRoot: boolean): Promise<JobNetwork> {
  const args = [
    ...namespaceFlags(asRoot, 'none'), '--info-fd', '3',
    '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64',
    '--proc', '/proc', '--dev', '/dev', '--', ...dropPrivileges(asRoot), 'sleep', 'infinity',
  ];
  const holder = spawn('bwrap', args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } });
  let stderr = '';
  holder.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  let childPid: number;
  try {
    childPid = await readChildPid(holder, 10_000);
  } catch (err) {
    holder.kill('SIGKILL');
    throw new Error(`${(err as Error).message}${stderr ? `: ${stderr.trim()}` : ''}`);
  }
  holder.unref();
  const enter = ['nsenter', `--net=/proc/${childPid}/ns/net`, '--'];

  let prober: ChildProcess | null = null;
  let ready: Promise<ChildProcess> | null = null;
  let nextId = 0;
  const startProber = (): Promise<ChildProcess> => {
    ready ??= new Promise<ChildProcess>((resolve, reject) => {
      const child = fork(proberPath, [], {
        execPath: enter[0],
        execArgv: [...enter.slice(1), process.execPath],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      let err = '';
      child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
      const onMessage = (m: { type?: string }) => {
        if (m?.type !== 'ready') return;
        child.off('message', onMessage);
        child.unref();
        child.channel?.unref();
        prober = child;
        resolve(child);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => {
        prober = null;
        ready = null;
        reject(new Error(`the readiness prober exited (code ${code})${err ? `: ${err.trim()}` : ''}`));
      });
    });
    return ready;
  };

  return {
    enter,
    async probe(url, timeoutMs) {
      const child = prober ?? (await startProber());
      const id = ++nextId;
      return new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => finish(null), timeoutMs + 1_000);
        const onMessage = (m: { type?: string; id?: number; status?: number | null }) => {
          if (m?.type === 'status' && m.id === id) finish(m.status ?? null);
        };
        const finish = (status: number | null) => {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(status);
        };
        child.on('message', onMessage);
        child.send({ type: 'probe', id, url, timeoutMs });
      });
    },
    async close() {
      const p = prober as ChildProcess | null;
      p?.kill('SIGKILL');
      if (holder.exitCode === null && holder.signalCode === null) {
        const gone = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
        holder.kill('SIGKILL');
        await gone;
      }
    },
  };
}
