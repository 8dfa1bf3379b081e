// One sample of one side: its services started from their template, a fresh server process, then every
// scenario once (an unmeasured warm-up until the server is warm, then the measured run) while the server's process tree is
// watched for CPU and memory — and each service's tree apart, so a database's work never counts as the
// server's.
import type { RepoConfig, Scenario } from '../config/schema.ts';
import type { RunSample } from '../model.ts';
import os from 'node:os';
import { LoginError, monitorTree, sampleTree, ServerStartError, startServer, type LoadGenerator, type LoadRun, type ServerHandle, type Session } from '../bench/index.ts';
import { cpuCount, isLoadGenBound } from '../bench/load-bound.ts';
import { traceMemory, type MemorySeries } from '../bench/memory-trace.ts';
import { warmUp } from '../bench/warmup.ts';
import type { SideServices } from '../services/index.ts';
import { UserFacingError } from './errors.ts';
import type { PreparedSide } from './prepare-side.ts';
import { startServicesForSample } from './side-setup.ts';

function failedSample(side: 'base' | 'head', pair: number, scenario: Scenario, failure: string): RunSample {
  return {
    side, pair, scenario: scenario.name, ok: false, failure,
    requests: 0, durationSec: 0, throughput: 0, latencyUs: { p50: 0, p90: 0, p99: 0, mean: 0 },
    errors: 0, timeouts: 0, non2xx: 0, cpuSeconds: 0, cpuPerRequest: 0, peakRssBytes: 0, loadGenCpu: 0, loadGenBound: false,
  };
}

/** The side's runtimes' warm-up floors: requests per scenario (PyPy), and the first scenario's time (Node). */
export function warmupFloors(runtimes: readonly { warmupRequests?: number; firstWarmupMs?: number }[]): { requests: number; firstMs: number } {
  return {
    requests: Math.max(0, ...runtimes.map((r) => r.warmupRequests ?? 0)),
    firstMs: Math.max(0, ...runtimes.map((r) => r.firstWarmupMs ?? 0)),
  };
}

/**
 * The first scenario on a fresh server warms it for all of them: the least time its warm-up lasts is a
 * runtime's floor (Node: NODE_FIRST_WARMUP_MS), when that is longer than the scenario's `warmup`. A
 * `warmup` written in the config is the user's word for their app and stays as written: no floor then.
 */
export function firstScenarioMinMs(scenario: Scenario, floorMs: number): number {
  return scenario.warmupConfigured || scenario.warmup <= 0 || floorMs <= scenario.warmup ? 0 : floorMs;
}

/** What a measured run needs besides the scenario: its server, where the server runs, and what warms it. */
export interface RunContext {
  url: string;
  serverPid: number;
  serverCpus: string | undefined;
  services: SideServices | null;
  /** A JIT runtime's warm-up floor (requests). */
  warmupRequests: number;
  /** Set when this scenario is the fresh server's first: the least its warm-up lasts (firstScenarioMinMs). */
  warmupMinMs?: number;
  /** What this server's login captured (config `login`), for `{{name}}` in the requests. */
  session?: Session;
}

async function measureOnce(ctx: RunContext, side: 'base' | 'head', pair: number, scenario: Scenario, load: LoadGenerator): Promise<RunSample> {
  const { url, serverPid, services, warmupRequests, warmupMinMs, session } = ctx;
  const warm = await warmUp(load, url, scenario, { minRequests: warmupRequests, minMs: warmupMinMs, session, cpuSeconds: () => sampleTree(serverPid).cpuSeconds });
  const monitor = monitorTree(serverPid, 100);
  const serviceMonitor = services?.monitor();
  let run: LoadRun;
  try {
    run = await load.run(url, { ...scenario, warmup: 0 }, { session });
  } catch (err) {
    monitor.stop();
    serviceMonitor?.stop();
    throw err;
  }
  const usage = monitor.stop();
  const serviceUsage = serviceMonitor?.stop();
  const problems: string[] = [];
  const crashed = services?.crashed();
  if (crashed) problems.push(crashed);
  if (run.errors > 0) problems.push(`${run.errors} connection errors`);
  if (run.timeouts > 0) problems.push(`${run.timeouts} timeouts`);
  if (run.non2xx > 0) problems.push(`${run.non2xx} non-2xx responses`);
  if (run.requests === 0) problems.push('no response at all');
  const wall = usage.wallSeconds > 0 ? usage.wallSeconds : run.durationSec;
  const serverBusiestThread = wall > 0 ? usage.busiestThreadSeconds / wall : 0;
  const serverCores = wall > 0 ? usage.cpuSeconds / wall : 0;
  return {
    side, pair, scenario: scenario.name,
    ok: problems.length === 0,
    ...(problems.length ? { failure: problems.join(', ') } : {}),
    requests: run.requests,
    durationSec: run.durationSec,
    throughput: run.throughput,
    latencyUs: run.latencyUs,
    errors: run.errors,
    timeouts: run.timeouts,
    non2xx: run.non2xx,
    cpuSeconds: usage.cpuSeconds,
    cpuPerRequest: run.requests > 0 ? usage.cpuSeconds / run.requests : 0,
    peakRssBytes: usage.peakRssBytes,
    loadGenCpu: run.loadGenCpu,
    loadGenBound: isLoadGenBound({
      loadGenCpu: run.loadGenCpu, serverBusiestThread, serverCores, serverCpuCount: cpuCount(ctx.serverCpus, os.availableParallelism()), failed: problems.length > 0,
    }),
    serverBusiestThread,
    serverCores,
    loadGenWorkers: run.workers ?? load.workers,
    warmupSec: warm.seconds,
    warmupSettled: warm.settled,
    ...(serviceUsage && Object.keys(serviceUsage).length > 0 ? { services: serviceUsage } : {}),
  };
}

/**
 * One measured run of a scenario. When the generator, not the server, was the limit, the generator
 * scales out to a spare CPU (if it has one) and the scenario is measured again on the same server, so
 * the run that counts is one the server, not autocannon, decided. The scale-out stays for the job.
 */
export async function measureScenario(ctx: RunContext, side: 'base' | 'head', pair: number, scenario: Scenario, load: LoadGenerator): Promise<RunSample> {
  let sample = await measureOnce(ctx, side, pair, scenario, load);
  while (sample.loadGenBound && (await load.scaleOut())) sample = await measureOnce(ctx, side, pair, scenario, load);
  return sample;
}

/** What an observe run adds to a server: the hooks' environment, their directory, where they write. */
export interface ServerExtras {
  /** The server's environment with the hooks added (NODE_OPTIONS, PYTHONPATH, where they write). */
  env: (server: Record<string, string>) => Record<string, string>;
  readOnly: string[];
  writable: string[];
}

/** A fresh server of one prepared side; a server that does not start is the user's to fix, so it says how. */
export async function startSideServer(prepared: PreparedSide, config: RepoConfig, label: string, cpus?: string, extras?: ServerExtras): Promise<ServerHandle> {
  try {
    return await startServer({
      command: config.start,
      cwd: prepared.projectDir,
      env: (port) => (extras ? extras.env(prepared.serverEnv(port)) : prepared.serverEnv(port)),
      readyPath: config.ready.path,
      readyTimeoutMs: config.ready.timeoutMs,
      cpus,
      label,
      launcher: {
        plan: (command, cwd, env, cpuList) =>
          prepared.sandbox.plan({
            command, cwd, env, phase: 'serve', cpus: cpuList,
            writable: [prepared.worktree, ...(extras?.writable ?? [])], readOnly: [...prepared.readOnly, ...(extras?.readOnly ?? [])],
          }),
        probe: (url, timeoutMs) => prepared.sandbox.probe(url, timeoutMs),
      },
    });
  } catch (err) {
    if (err instanceof ServerStartError) {
      const reason = err.message.split('\n')[0].replace(/\.$/, '');
      throw new UserFacingError(
        `${prepared.label} (${prepared.sha.slice(0, 7)}): the server did not start: ${reason}. Check \`start\` and \`ready\` in ${prepared.configName}.`,
        err.output,
      );
    }
    throw err;
  }
}

/**
 * The config's login against a fresh server, once per server start: what it captured feeds every scenario.
 * A login that fails is the config's to fix (or the bump broke logging in): the job stops and says which
 * request answered what, rather than measuring requests that would all be refused.
 */
export async function logInToServer(prepared: PreparedSide, config: RepoConfig, load: LoadGenerator, server: ServerHandle): Promise<Session | undefined> {
  if (!config.login) return undefined;
  try {
    return await load.login(server.url, config.login);
  } catch (err) {
    if (err instanceof LoginError) {
      throw new UserFacingError(`${prepared.label} (${prepared.sha.slice(0, 7)}): the login failed: ${err.message}. Check \`login\` in ${prepared.configName}.`, server.outputTail());
    }
    throw err;
  }
}

export async function measureSample(opts: {
  prepared: PreparedSide;
  side: 'base' | 'head';
  pair: number;
  config: RepoConfig;
  load: LoadGenerator;
  serverCpus?: string;
  /** Given: the server's memory over its whole life is traced and handed here (runtime swaps chart it). */
  onMemoryTrace?: (series: MemorySeries) => void;
  /** Only these scenarios (by name; default every scenario): later batches measure the still-open ones. */
  scenarios?: readonly string[];
}): Promise<RunSample[]> {
  const { prepared, config, side, pair } = opts;
  const scenarios = opts.scenarios ? config.scenarios.filter((s) => opts.scenarios!.includes(s.name)) : config.scenarios;
  const samples: RunSample[] = [];
  // A JIT runtime's own floors (PyPy: requests per scenario; Node: the first scenario's time), when the side runs on one.
  const { requests: warmupRequests, firstMs: firstWarmupMs } = warmupFloors(prepared.runtimes);
  try {
    await startServicesForSample(prepared, prepared.env, config);
    const server = await startSideServer(prepared, config, `${side} server`, opts.serverCpus);
    const trace = opts.onMemoryTrace ? traceMemory(server.pid) : null;
    try {
      const session = await logInToServer(prepared, config, opts.load, server);
      const ctx: RunContext = { url: server.url, serverPid: server.pid, serverCpus: opts.serverCpus, services: prepared.services, warmupRequests, session };
      for (const [index, scenario] of scenarios.entries()) {
        if (server.exited) {
          samples.push(failedSample(side, pair, scenario, `the server exited:\n${server.outputTail()}`));
          continue;
        }
        try {
          const scenarioCtx = index === 0 ? { ...ctx, warmupMinMs: firstScenarioMinMs(scenario, firstWarmupMs) } : ctx;
          samples.push(await measureScenario(scenarioCtx, side, pair, scenario, opts.load));
        } catch (err) {
          samples.push(failedSample(side, pair, scenario, (err as Error).message));
        }
      }
      if (trace) opts.onMemoryTrace!(trace.stop());
    } finally {
      await server.stop();
    }
  } finally {
    await prepared.services?.stopAll();
  }
  return samples;
}
