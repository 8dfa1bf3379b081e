// The caller's side of load generation: long-lived child processes (load-worker.ts) run autocannon,
// each optionally pinned to its own CPU with taskset, and answer run requests over IPC. One worker is the
// rule; when a run shows the generator, not the server, is the limit, the pool scales out to spare CPUs
// (scaleOut), splitting each run's connections between the workers and merging what they measured.
import { fork } from 'node:child_process';
import { build, decodeFromCompressedBase64 } from 'hdr-histogram-js';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LoginStep, Scenario } from '../config/schema.ts';
import type { LoadRun, LoginRequestMessage, RunRequestMessage, Session, WorkerMessage } from './load-protocol.ts';
import { LoginError } from './login.ts';

export type { LoadRun, Session } from './load-protocol.ts';
export { LoginError } from './login.ts';

/** How one run's requests are made: a fixed rate, the login's captures, the worker's share of the draws. */
export interface RunOptions {
  /** Requests per second, all connections together, instead of as fast as the server answers. */
  rate?: number;
  /** What the server's login captured (`login` in the config), for `{{name}}` in the requests. */
  session?: Session;
  /** Count responses per bucket of this many ms of the monotonic clock (LoadRun.completions). */
  bucketMs?: number;
}

export interface LoadGeneratorOptions {
  /** CPU list for `taskset -c`, e.g. "1": keep the generator off the server's CPU. */
  cpus?: string;
  /** CPU lists (one per extra worker) the pool may scale out to; none: it cannot scale out. */
  spareCpus?: readonly string[];
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
  run(url: string, scenario: Scenario, opts?: RunOptions): Promise<LoadRun>;
  /**
   * Send the login requests to the server at `url`, in order, and return what they captured. Throws
   * LoginError when one answers 4xx/5xx or lacks a captured value.
   */
  login(url: string, steps: readonly LoginStep[]): Promise<Session>;
  /** Kill the children. Further runs start new ones. */
  close(): Promise<void>;
  /** Pid of the first child (the taskset'ed node), if one is running. */
  readonly pid: number | undefined;
  /** Worker processes a run is split between. */
  readonly workers: number;
  /** Add a worker on the next spare CPU; false when there is none left (or it would not start). */
  scaleOut(): Promise<boolean>;
}

/** The options of one run (the name the hints code knows them by). */
export type LoadRunOptions = RunOptions;

/** The load generator failed: its process died, hung, or autocannon rejected the run. */
export class LoadGeneratorError extends Error {
  override readonly name = 'LoadGeneratorError';
}

const READY_TIMEOUT_MS = 30_000;
/** Beyond warm-up + duration, how long a run may take before we kill the child. */
const RUN_SLACK_MS = 30_000;

const require = createRequire(import.meta.url);
const workerPath = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

/** One worker process. */
class ChildLoadGenerator {
  private child: ChildProcess | null = null;
  private starting: Promise<ChildProcess> | null = null;
  private output = '';
  private nextId = 0;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Kills the child when the job is aborted. Held only while a child lives: a listener left on a signal that
   * outlives this generator (a worker's, a benchmark's) would keep it, and every generator before it, alive.
   */
  private readonly closeOnAbort = (): void => void this.close();

  constructor(private readonly opts: LoadGeneratorOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private tail(): string {
    const lines = this.output.trimEnd().split('\n').slice(-20).join('\n');
    return lines ? `\nIts last output:\n${lines}` : '';
  }

  private spawnChild(): Promise<ChildProcess> {
    // The same function twice is one listener: a respawned child needs no second one.
    this.opts.signal?.addEventListener('abort', this.closeOnAbort, { once: true });
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

  run(url: string, scenario: Scenario, opts: RunOptions & { stream?: number } = {}): Promise<LoadRun> {
    const boundMs = scenario.warmup + scenario.duration + (this.opts.runSlackMs ?? RUN_SLACK_MS);
    return this.enqueue(async () => {
      const answer = await this.ask(
        (id): RunRequestMessage => ({
          type: 'run', id, url, scenario, ...(opts.rate ? { rate: opts.rate } : {}), ...(opts.session ? { session: opts.session } : {}), ...(opts.stream ? { stream: opts.stream } : {}),
          ...(opts.bucketMs ? { bucketMs: opts.bucketMs } : {}),
        }),
        boundMs,
        `load run of "${scenario.name}"`,
      );
      if (answer.type !== 'result') throw new LoadGeneratorError(`the load generator answered a run with ${answer.type}`);
      return answer.run;
    });
  }

  login(url: string, steps: readonly LoginStep[]): Promise<Session> {
    // A request per step, each with its own 10 s timeout in the worker; the slack covers the rest.
    const boundMs = steps.length * 10_000 + (this.opts.runSlackMs ?? RUN_SLACK_MS);
    return this.enqueue(async () => {
      const answer = await this.ask((id): LoginRequestMessage => ({ type: 'login', id, url, steps: [...steps] }), boundMs, 'login');
      if (answer.type !== 'session') throw new LoadGeneratorError(`the load generator answered a login with ${answer.type}`);
      return answer.session;
    });
  }

  /** One request at a time: two concurrent runs would measure each other. */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Sends one request to the child and waits for its answer, killing the child when it overruns `boundMs`. */
  private async ask(message: (id: number) => RunRequestMessage | LoginRequestMessage, boundMs: number, what: string): Promise<Exclude<WorkerMessage, { type: 'ready' | 'error' }>> {
    const child = await this.ensureChild();
    const id = ++this.nextId;
    this.busy(child);
    try {
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          // Forget it now, not at its 'exit' event: the next run must not be sent to a dying child.
          if (this.child === child) this.child = null;
          child.kill('SIGKILL');
          reject(new LoadGeneratorError(`${what} did not finish within ${boundMs} ms; the load generator was killed${this.tail()}`));
        }, boundMs);
        const onMessage = (answer: WorkerMessage): void => {
          if (answer?.type === 'ready' || answer?.id !== id) return;
          cleanup();
          if (answer.type !== 'error') resolve(answer);
          else if (answer.login) reject(new LoginError(answer.message));
          else reject(new LoadGeneratorError(`${what} failed: ${answer.message}`));
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
          cleanup();
          reject(new LoadGeneratorError(`load generator process died during the ${what} (${signal ?? `code ${code}`}); the next run starts a new one${this.tail()}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        child.send(message(id), (err) => {
          if (err) {
            cleanup();
            reject(new LoadGeneratorError(`could not send the ${what} to the load generator: ${err.message}`));
          }
        });
      });
    } finally {
      if (this.child === child) this.idle(child);
    }
  }

  async close(): Promise<void> {
    this.opts.signal?.removeEventListener('abort', this.closeOnAbort);
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

/** Connections (or a rate) split as evenly as whole numbers allow; parts of 0 are left out. */
export function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0)).filter((n) => n > 0);
}

/** One run of several workers as one: counts add up, latencies merge, the busiest worker's CPU stands. */
export function mergeRuns(runs: LoadRun[]): LoadRun {
  if (runs.length === 1) return runs[0];
  const merged = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  for (const run of runs) {
    if (!run.histogram) throw new LoadGeneratorError('a load worker sent no histogram to merge');
    const part = decodeFromCompressedBase64(run.histogram);
    merged.add(part);
    part.destroy();
  }
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const out: LoadRun = {
    requests,
    durationSec: Math.max(...runs.map((r) => r.durationSec)),
    // Each worker timed its own run; their rates add up.
    throughput: runs.reduce((n, r) => n + r.throughput, 0),
    latencyUs: {
      p50: merged.getValueAtPercentile(50),
      p90: merged.getValueAtPercentile(90),
      p99: merged.getValueAtPercentile(99),
      mean: merged.mean,
    },
    errors: runs.reduce((n, r) => n + r.errors, 0),
    timeouts: runs.reduce((n, r) => n + r.timeouts, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    loadGenCpu: Math.max(...runs.map((r) => r.loadGenCpu)),
    workers: runs.length,
  };
  // Responses per clock bucket (observe runs) add up across workers: they share the machine's clock.
  if (runs.some((r) => r.completions)) {
    const buckets = new Map<number, number>();
    for (const [bucket, n] of runs.flatMap((r) => r.completions ?? [])) buckets.set(bucket, (buckets.get(bucket) ?? 0) + n);
    out.completions = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  }
  merged.destroy();
  return out;
}

class PooledLoadGenerator implements LoadGenerator {
  private readonly pool: ChildLoadGenerator[];
  private readonly spare: string[];

  constructor(private readonly opts: LoadGeneratorOptions) {
    this.pool = [new ChildLoadGenerator(opts)];
    this.spare = [...(opts.spareCpus ?? [])];
  }

  get pid(): number | undefined {
    return this.pool[0].pid;
  }

  get workers(): number {
    return this.pool.length;
  }

  async start(): Promise<void> {
    await this.pool[0].start();
  }

  async scaleOut(): Promise<boolean> {
    const cpus = this.spare.shift();
    if (cpus === undefined) return false;
    const worker = new ChildLoadGenerator({ ...this.opts, cpus });
    try {
      await worker.start();
    } catch {
      return false;
    }
    this.pool.push(worker);
    return true;
  }

  login(url: string, steps: readonly LoginStep[]): Promise<Session> {
    return this.pool[0].login(url, steps);
  }

  async run(url: string, scenario: Scenario, opts: RunOptions = {}): Promise<LoadRun> {
    if (this.pool.length === 1) return this.pool[0].run(url, scenario, opts);
    let connections = splitEvenly(scenario.connections, this.pool.length);
    const rates = opts.rate ? splitEvenly(opts.rate, connections.length) : undefined;
    // A rate too small to split leaves some workers out, with their connections moved to the others.
    if (rates && rates.length < connections.length) connections = splitEvenly(scenario.connections, rates.length);
    const runs = await Promise.all(
      connections.map((c, i) =>
        this.pool[i].run(url, { ...scenario, connections: c }, {
          session: opts.session, stream: i, ...(rates ? { rate: rates[i] } : {}), ...(opts.bucketMs ? { bucketMs: opts.bucketMs } : {}),
        }),
      ),
    );
    return mergeRuns(runs);
  }

  async close(): Promise<void> {
    await Promise.all(this.pool.map((w) => w.close()));
  }
}

/** Start the load-generator child and wait until it is ready to take runs. */
export async function createLoadGenerator(opts: LoadGeneratorOptions = {}): Promise<LoadGenerator> {
  const generator = new PooledLoadGenerator(opts);
  await generator.start();
  return generator;
}
