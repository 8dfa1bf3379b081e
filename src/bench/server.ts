// Start the app under test as `sh -c <command>` in its own process group, wait until it answers, and
// stop it (and everything it forked) reliably.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { probeHere, type SpawnPlan } from '../sandbox/sandbox.ts';
import { freePort } from './ports.ts';
import { registerGroup, terminateGroup, unregisterGroup } from './process-group.ts';
import { listGroup } from './proc-tree.ts';

export interface StartServerOptions {
  /** Shell command, run by `/bin/sh -c`. */
  command: string;
  cwd: string;
  /**
   * The WHOLE environment of the server: process.env is deliberately not merged in, so the App's own
   * secrets (GitHub private key, tokens) never reach code from a pull request. Start from baseChildEnv().
   * PORT and HOST are added (and override). A function gets the port first (for `${PORT}` in the config's env).
   */
  env: Record<string, string> | ((port: number) => Record<string, string>);
  /** Path polled until it answers 2xx, e.g. "/health". */
  readyPath: string;
  readyTimeoutMs: number;
  /** CPU list for `taskset -c`, e.g. "0". */
  cpus?: string;
  /** Names the server in error messages, e.g. "base" (→ "base server") or "head server". */
  label?: string;
  /** How the command is started and reached: a job's sandbox. Default: `sh -c` here, probed from here. */
  launcher?: ServerLauncher;
}

/** Starts server commands and reaches them: the sandbox (src/sandbox/) or the plain default. */
export interface ServerLauncher {
  plan(command: string, cwd: string, env: Record<string, string>, cpus?: string): Promise<SpawnPlan>;
  /** GET url where the server listens: its status, or null when nothing answered. */
  probe(url: string, timeoutMs: number): Promise<number | null>;
}

const plainLauncher: ServerLauncher = {
  async plan(command, cwd, env, cpus) {
    const [file, ...args] = [...(cpus ? ['taskset', '-c', cpus] : []), '/bin/sh', '-c', command];
    return { file, args, cwd, env, release: async () => {}, spawned: () => {} };
  },
  probe: probeHere,
};

export interface ServerHandle {
  /** Pid of the group leader (the shell, or what it exec'd); also the process group id. */
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  /** SIGTERM the group, SIGKILL after a short grace; resolves when the leader is gone. Idempotent. */
  stop(): Promise<void>;
  /** The last lines of the server's combined stdout/stderr. */
  outputTail(): string;
  /** True once the group leader has exited (e.g. the server crashed mid-run). */
  readonly exited: boolean;
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
}

export type ServerStartFailure = 'exited' | 'timeout' | 'spawn' | 'not-found';

/** The server could not be started: it exited before it was ready, never got ready, or could not spawn. */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
  constructor(
    message: string,
    readonly reason: ServerStartFailure,
    readonly output: string,
    readonly exitCode: number | null = null,
  ) {
    super(message);
  }
}

const SECRET_NAME = /TOKEN|SECRET|KEY|PASSWORD|PRIVATE/i;

/**
 * A minimal environment for the app under test: PATH, HOME, LANG, TMPDIR from ours, when set, and never
 * anything whose name looks like a credential. Add the repo config's `env` on top.
 */
export function baseChildEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined && !SECRET_NAME.test(name)) env[name] = value;
  }
  return env;
}

/** Keeps the last `max` lines of a stream of chunks. */
class OutputTail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 200) {}

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    // A process printing without newlines must not grow the partial line forever.
    if (this.partial.length > 8_192) {
      parts.push(this.partial);
      this.partial = '';
    }
    this.lines.push(...parts);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  tail(n = 30): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-n).join('\n');
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const POLL_MS = 75;

/**
 * How long the ready path may answer 404 before the start gives up. A server that answers 404 is up and
 * routing: the path is wrong, and waiting out the whole `ready.timeout` would only delay saying so. Apps that
 * mount their routes a moment after they listen answer 404 briefly; five seconds covers that.
 */
export const NOT_FOUND_GRACE_MS = 5_000;

/**
 * How a server in any language says its port was taken: Node's EADDRINUSE, and "Address already in use"
 * (Python's OSError errno 98, Go, Ruby, Java's BindException, most C libraries' strerror).
 */
const PORT_TAKEN = /EADDRINUSE|address already in use/i;

/**
 * Start the server on a free port and wait until readyPath answers 2xx. Throws ServerStartError (after
 * killing the group) when it exits first or is not ready within readyTimeoutMs. Retries once with a new
 * port when the server says its port is taken (the port found free was taken in between: ports are
 * found on the host, while a job's servers and its load generator's connections live in the job's
 * network namespace, which the host's kernel does not see).
 */
export async function startServer(opts: StartServerOptions): Promise<ServerHandle> {
  try {
    return await startOnce(opts);
  } catch (err) {
    if (err instanceof ServerStartError && err.reason === 'exited' && PORT_TAKEN.test(err.output)) {
      return startOnce(opts);
    }
    throw err;
  }
}

async function startOnce(opts: StartServerOptions): Promise<ServerHandle> {
  const label = !opts.label ? 'server' : /server$/i.test(opts.label) ? opts.label : `${opts.label} server`;
  // spawn() reports a missing cwd as "spawn /bin/sh ENOENT", which sends people looking for the shell.
  if (!statSync(opts.cwd, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ServerStartError(`${label} could not be started: its working directory ${opts.cwd} does not exist (check \`cwd\` in the config)`, 'spawn', '');
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const launcher = opts.launcher ?? plainLauncher;
  const env = typeof opts.env === 'function' ? opts.env(port) : opts.env;
  const plan = await launcher.plan(opts.command, opts.cwd, { ...env, PORT: String(port), HOST: '127.0.0.1' }, opts.cpus);

  const output = new OutputTail();
  // detached: the child calls setsid(), so it leads a new process group whose id is its pid.
  const child = spawn(plan.file, plan.args, { cwd: plan.cwd, env: plan.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => output.push(c));
  child.stderr.on('data', (c: Buffer) => output.push(c));

  let exited = false;
  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;
  let spawnError: Error | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      resolve();
    });
    child.once('error', (err) => {
      // Spawn failed (bad cwd, no taskset): there will be no 'exit'.
      spawnError = err;
      exited = true;
      resolve();
    });
  });

  const pid = child.pid;
  if (pid !== undefined) plan.spawned(pid);
  if (pid === undefined) {
    await exitPromise;
    await plan.release();
    throw new ServerStartError(
      `${label} could not be started: ${spawnError ? (spawnError as Error).message : 'spawn failed'} (command: ${opts.command}, cwd: ${opts.cwd})`,
      'spawn',
      output.tail(),
    );
  }
  registerGroup(pid);
  // When the leader dies on its own and left nothing behind, forget the group: its id may be reused.
  void exitPromise.then(() => {
    if (listGroup(pid).length === 0) unregisterGroup(pid);
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await terminateGroup(pid);
      // The leader is our child: it is gone once Node has reaped it and emitted 'exit'.
      if (!exited) {
        await Promise.race([exitPromise, sleep(5_000)]);
      }
      unregisterGroup(pid);
      await plan.release();
    })();
    return stopping;
  };

  const fail = async (reason: ServerStartFailure, why: string): Promise<never> => {
    await stop();
    // Let the last output (e.g. the stack trace) arrive before we quote it.
    await sleep(20);
    const tail = output.tail(30);
    throw new ServerStartError(
      `${label} ${why} (command: ${opts.command}, cwd: ${opts.cwd}).\n` +
        (tail ? `Last output:\n${tail}` : 'It printed nothing.'),
      reason,
      tail,
      exitCode,
    );
  };

  const deadline = Date.now() + opts.readyTimeoutMs;
  let lastStatus: number | null = null;
  let notFoundSince: number | null = null;
  for (;;) {
    if (exited) {
      const how = exitSignal ? `signal ${exitSignal}` : `code ${exitCode}`;
      return fail('exited', `exited with ${how} before it answered ${opts.readyPath}`);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const seen = lastStatus === null ? 'no connection' : `last status ${lastStatus}`;
      return fail('timeout', `was not ready within ${opts.readyTimeoutMs} ms: GET ${opts.readyPath} never answered 2xx (${seen}) on port ${port}`);
    }
    const status = await launcher.probe(url + opts.readyPath, Math.min(1_000, Math.max(remaining, 50)));
    if (status !== null) lastStatus = status;
    if (status !== null && status >= 200 && status < 300) break;
    notFoundSince = status === 404 ? (notFoundSince ?? Date.now()) : null;
    if (notFoundSince !== null && Date.now() - notFoundSince >= NOT_FOUND_GRACE_MS) {
      return fail(
        'not-found',
        `answers 404 on GET ${opts.readyPath} (for ${NOT_FOUND_GRACE_MS / 1000} s): it is listening on port ${port}, but not at that path; set \`ready\` to a path it serves with 2xx, e.g. / or /health`,
      );
    }
    await Promise.race([sleep(POLL_MS), exitPromise]);
  }

  return {
    pid,
    port,
    url,
    stop,
    outputTail: () => output.tail(30),
    get exited() {
      return exited;
    },
    get exitCode() {
      return exitCode;
    },
    get exitSignal() {
      return exitSignal;
    },
  };
}
