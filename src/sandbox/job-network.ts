// A job's own network namespace, where its servers listen on loopback and nothing else is reachable.
// A sleeping bwrap holds it open; servers start in it (nsenter, then bwrap without --unshare-net), and so
// do the load generator and the readiness prober (our code, outside every other namespace), so requests
// never cross a proxy and the measured path is the plain loopback it always was.
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { boundToParent, dropPrivileges, namespaceFlags } from './support.ts';

const proberPath = fileURLToPath(new URL('./helpers/netns-prober.cjs', import.meta.url));

export interface JobNetwork {
  /** Command prefix that runs a program inside the namespace: `nsenter --net=/proc/N/ns/net --`. */
  readonly enter: string[];
  /** GET url from inside the namespace: the status, or null when nothing answered within timeoutMs. */
  probe(url: string, timeoutMs: number): Promise<number | null>;
  /** Whether host:port accepts a TCP connection inside the namespace (a database that speaks no HTTP). */
  connects(host: string, port: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * As root: a sleeping bwrap in a new network namespace (bwrap brings its loopback up), entered with
 * `nsenter --net`. As another user, joining a network namespace needs CAP_SYS_ADMIN in a user namespace
 * that owns it, so the holder is `unshare --user --map-root-user --net` (loopback brought up with `ip`)
 * and everything enters its user namespace too; sandboxes started there nest their own inside it.
 */
async function startHolder(asRoot: boolean): Promise<{ holder: ChildProcess; enter: string[] }> {
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
  if (asRoot) {
    const args = [
      ...namespaceFlags(asRoot, 'none'), '--info-fd', '3',
      '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64',
      '--proc', '/proc', '--dev', '/dev', '--', ...dropPrivileges(asRoot), 'sleep', 'infinity',
    ];
    // Bound to us like every sandbox: a holder outliving its worker would keep the namespace for good.
    const [file, ...prefix] = boundToParent();
    const holder = spawn(file, [...prefix, 'bwrap', ...args], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env });
    const childPid = await waitFor(holder, holder.stdio[3] as NodeJS.ReadableStream, /"child-pid"\s*:\s*(\d+)/);
    return { holder, enter: ['nsenter', `--net=/proc/${childPid}/ns/net`, '--'] };
  }
  const [file, ...prefix] = boundToParent();
  const holder = spawn(file, [...prefix, 'unshare', '--user', '--map-root-user', '--net', '--', 'sh', '-c', 'ip link set lo up && echo ready && exec sleep infinity'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  await waitFor(holder, holder.stdout!, /ready/);
  return { holder, enter: ['nsenter', '-t', String(holder.pid), '--user', '--net', '--preserve-credentials', '--'] };
}

/** Resolves with the first group of `pattern` once `stream` printed it; rejects if the holder dies first. */
function waitFor(holder: ChildProcess, stream: NodeJS.ReadableStream, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  let stderr = '';
  holder.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    let text = '';
    const fail = (why: string) => {
      holder.kill('SIGKILL');
      reject(new Error(`the job's network namespace could not be made: ${why}${stderr ? `: ${stderr.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    });
    holder.once('exit', (code) => {
      clearTimeout(timer);
      fail(`its holder exited (code ${code})`);
    });
    holder.once('error', (err) => {
      clearTimeout(timer);
      fail(err.message);
    });
  });
}

export async function openJobNetwork(asRoot: boolean): Promise<JobNetwork> {
  const { holder, enter } = await startHolder(asRoot);
  holder.unref();

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

  /** Sends one question to the prober and resolves with its answer (null after timeoutMs + 1 s). */
  const ask = async (question: Record<string, unknown>, timeoutMs: number): Promise<number | null> => {
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
      child.send({ ...question, id, timeoutMs });
    });
  };

  return {
    enter,
    probe: (url, timeoutMs) => ask({ type: 'probe', url }, timeoutMs),
    connects: async (host, port, timeoutMs) => (await ask({ type: 'connect', host, port }, timeoutMs)) !== null,
    async close() {
      const p = prober as ChildProcess | null;
      p?.kill('SIGKILL');
      if (holder.exitCode === null && holder.signalCode === null) {
        const gone = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
        // The holder was unref'd while it held the namespace; waiting for its exit must keep us alive, or a
        // CLI whose last work this is would end with "unsettled top-level await" (exit 13).
        holder.ref();
        holder.kill('SIGKILL');
        await gone;
      }
    },
  };
}
