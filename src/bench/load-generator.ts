// The caller's side of load generation: one long-lived child process (load-worker.ts) runs autocannon,
// optionally pinned to its own CPU with taskset, and answers run requests over IPC.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Scenario } from '../config/schema.ts';
import type { LoadRun, RunRequestMessage, WorkerMessage } from './load-protocol.ts';

export type { LoadRun } from './load-protocol.ts';

export interface LoadGeneratorOptions {
  /** CPU list for `taskset -c`, e.g. "1": keep the generator off the server's CPU. */
  cpus?: string;
  /** Command prefix that puts the generator where the servers listen (a job's network namespace: `nsenter --net=… --`). */
  enter?: readonly string[];
  /** How long a run may take beyond warm-up + duration before the child is killed. Default 30 s. */
  runSlackMs?: number;
  /**
   * The job's signal: once aborted, the child is killed and every run, in flight or later, fails at once,
   * so a cancelled job does not sit out the rest of its scenarios.
   */
  signal?: AbortSignal;
}

export interface LoadGenerator {
  /**
   * Warm up, then measure `scenario` against the server at `url` (its base, e.g. http://127.0.0.1:1234),
   * as fast as it answers, or at a fixed `rate` (requests per second) when given.
   */
  run(url: string, scenario: Scenario, opts?: { rate?: number }): Promise<LoadRun>;
  /** Kill the child. Further runs start a new one. */
  close(): Promise<void>;
  /** Pid of the current child (the taskset'ed node), if one is running. */
  readonly pid: number | undefined;
}

/** The load generator failed: its process died, hung, or autocannon rejected the run. */
export class LoadGeneratorError extends Error {
  override readonly name = 'LoadGeneratorError';
}

const READY_TIMEOUT_MS = 30_000;
/** Beyond warm-up + duration, how long a run may take before we kill the child. */
const RUN_SLACK_MS = 30_000;

const require = createRequire(import.meta.url);
const workerPath = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

class ChildLoadGenerator implements LoadGenerator {
  private child: ChildProcess | null = null;
  private starting: Promise<ChildProcess> | null = null;
  private output = '';
  private nextId = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: LoadGeneratorOptions) {
    opts.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private tail(): string {
    const lines = this.output.trimEnd().split('\n').slice(-20).join('\n');
    return lines ? `\nIts last output:\n${lines}` : '';
  }

  private spawnChild(): Promise<ChildProcess> {
    // Resolve tsx from our own install: `--import tsx` alone would resolve from the caller's cwd.
    const tsx = pathToFileURL(require.resolve('tsx')).href;
    const nodeArgs = ['--import', tsx];
    // fork() runs `execPath ...execArgv modulePath`: with nsenter/taskset as execPath the child is still
    // node, with IPC. Its environment is ours minus anything secret-looking: it needs only PATH and a home.
    const prefix = [...(this.opts.enter ?? []), ...(this.opts.cpus ? ['taskset', '-c', this.opts.cpus] : [])];
    const env = Object.fromEntries(['PATH', 'HOME', 'TMPDIR', 'LANG'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
    const child =
      prefix.length > 0
        ? fork(workerPath, [], { execPath: prefix[0], execArgv: [...prefix.slice(1), process.execPath, ...nodeArgs], env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
        : fork(workerPath, [], { execArgv: nodeArgs, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.output = '';
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-8_192);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });

    return new Promise<ChildProcess>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        child.kill('SIGKILL');
        reject(new LoadGeneratorError(`load generator did not start within ${READY_TIMEOUT_MS} ms${this.tail()}`));
      }, READY_TIMEOUT_MS);
      const onMessage = (message: WorkerMessage): void => {
        if (message?.type !== 'ready') return;
        cleanup();
        this.child = child;
        this.idle(child);
        resolve(child);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        cleanup();
        reject(new LoadGeneratorError(`load generator exited while starting (${signal ?? `code ${code}`})${this.tail()}`));
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(new LoadGeneratorError(`load generator could not be started: ${err.message}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  /** An idle generator must not keep the caller's process alive. */
  private idle(child: ChildProcess): void {
    child.unref();
    child.channel?.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
  }

  private busy(child: ChildProcess): void {
    child.ref();
    child.channel?.ref();
    for (const stream of [child.stdout, child.stderr]) (stream as { ref?: () => void } | null)?.ref?.();
  }

  /** Start the child now (instead of at the first run), so start-up failures surface early. */
  async start(): Promise<void> {
    await this.ensureChild();
  }

  private async ensureChild(): Promise<ChildProcess> {
    this.opts.signal?.throwIfAborted();
    if (this.child && !this.child.killed && this.child.exitCode === null && this.child.signalCode === null && this.child.connected) {
      return this.child;
    }
    this.starting ??= this.spawnChild().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  run(url: string, scenario: Scenario, opts: { rate?: number } = {}): Promise<LoadRun> {
    // One run at a time: two concurrent runs would measure each other.
    const result = this.queue.then(() => this.runNow(url, scenario, opts.rate));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(url: string, scenario: Scenario, rate?: number): Promise<LoadRun> {
    const child = await this.ensureChild();
    const id = ++this.nextId;
    const boundMs = scenario.warmup + scenario.duration + (this.opts.runSlackMs ?? RUN_SLACK_MS);
    this.busy(child);
    try {
      return await new Promise<LoadRun>((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          // Forget it now, not at its 'exit' event: the next run must not be sent to a dying child.
          if (this.child === child) this.child = null;
          child.kill('SIGKILL');
          reject(new LoadGeneratorError(`load run of "${scenario.name}" did not finish within ${boundMs} ms; the load generator was killed${this.tail()}`));
        }, boundMs);
        const onMessage = (message: WorkerMessage): void => {
          if (message?.type === 'ready' || message?.id !== id) return;
          cleanup();
          if (message.type === 'result') resolve(message.run);
          else reject(new LoadGeneratorError(`load run of "${scenario.name}" failed: ${message.message}`));
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
          cleanup();
          reject(new LoadGeneratorError(`load generator process died during the run of "${scenario.name}" (${signal ?? `code ${code}`}); the next run starts a new one${this.tail()}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        const request: RunRequestMessage = { type: 'run', id, url, scenario, ...(rate ? { rate } : {}) };
        child.send(request, (err) => {
          if (err) {
            cleanup();
            reject(new LoadGeneratorError(`could not send the run to the load generator: ${err.message}`));
          }
        });
      });
    } finally {
      if (this.child === child) this.idle(child);
    }
  }

  async close(): Promise<void> {
    const child = this.child ?? (this.starting ? await this.starting.catch(() => null) : null);
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Start the load-generator child and wait until it is ready to take runs. */
export async function createLoadGenerator(opts: LoadGeneratorOptions = {}): Promise<LoadGenerator> {
  const generator = new ChildLoadGenerator(opts);
  await generator.start();
  return generator;
}
