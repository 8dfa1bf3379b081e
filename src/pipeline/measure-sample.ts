// One sample of one side: a fresh server process, then every scenario once (an unmeasured warm-up until
// the server is warm, then the measured run) while the server's process tree is watched for CPU and memory.
import type { RepoConfig, Scenario } from '../config/schema.ts';
import type { RunSample } from '../model.ts';
import { monitorTree, ServerStartError, startServer, type LoadGenerator, type LoadRun, type ServerHandle } from '../bench/index.ts';
import { traceMemory, type MemorySeries } from '../bench/memory-trace.ts';
import { warmUp } from '../bench/warmup.ts';
import { UserFacingError } from './errors.ts';
import type { PreparedSide } from './prepare-side.ts';

/** A run whose load generator used this much of a core measured the generator, not the server. */
const LOAD_GEN_BOUND = 0.9;

function failedSample(side: 'base' | 'head', pair: number, scenario: Scenario, failure: string): RunSample {
  return {
    side, pair, scenario: scenario.name, ok: false, failure,
    requests: 0, durationSec: 0, throughput: 0, latencyUs: { p50: 0, p90: 0, p99: 0, mean: 0 },
    errors: 0, timeouts: 0, non2xx: 0, cpuSeconds: 0, cpuPerRequest: 0, peakRssBytes: 0, loadGenCpu: 0, loadGenBound: false,
  };
}

async function measureScenario(
  url: string, serverPid: number, side: 'base' | 'head', pair: number, scenario: Scenario, load: LoadGenerator, warmupRequests: number,
): Promise<RunSample> {
  const warm = await warmUp(load, url, scenario, { minRequests: warmupRequests });
  const monitor = monitorTree(serverPid, 100);
  let run: LoadRun;
  try {
    run = await load.run(url, { ...scenario, warmup: 0 });
  } catch (err) {
    monitor.stop();
    throw err;
  }
  const usage = monitor.stop();
  const problems: string[] = [];
  if (run.errors > 0) problems.push(`${run.errors} connection errors`);
  if (run.timeouts > 0) problems.push(`${run.timeouts} timeouts`);
  if (run.non2xx > 0) problems.push(`${run.non2xx} non-2xx responses`);
  if (run.requests === 0) problems.push('no response at all');
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
    loadGenBound: run.loadGenCpu >= LOAD_GEN_BOUND,
    warmupSec: warm.seconds,
    warmupSettled: warm.settled,
  };
}

/** What an observe run adds to a server: the hooks' environment, their directory, where they write. */
export interface ServerExtras {
  env: Record<string, string>;
  readOnly: string[];
  writable: string[];
}

/** A fresh server of one prepared side; a server that does not start is the user's to fix, so it says how. */
export async function startSideServer(prepared: PreparedSide, config: RepoConfig, label: string, cpus?: string, extras?: ServerExtras): Promise<ServerHandle> {
  try {
    return await startServer({
      command: config.start,
      cwd: prepared.projectDir,
      env: extras ? extras.env : prepared.env,
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
        `${prepared.label} (${prepared.sha.slice(0, 7)}): the server did not start: ${reason}. Check \`start\` and \`ready\` in .github/bumpbench.yml.`,
        err.output,
      );
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
}): Promise<RunSample[]> {
  const { prepared, config, side, pair } = opts;
  const server = await startSideServer(prepared, config, `${side} server`, opts.serverCpus);
  const samples: RunSample[] = [];
  const trace = opts.onMemoryTrace ? traceMemory(server.pid) : null;
  // A JIT runtime's own floor (PyPy), when the side runs on one.
  const warmupRequests = Math.max(0, ...prepared.runtimes.map((r) => r.warmupRequests ?? 0));
  try {
    for (const scenario of config.scenarios) {
      if (server.exited) {
        samples.push(failedSample(side, pair, scenario, `the server exited:\n${server.outputTail()}`));
        continue;
      }
      try {
        samples.push(await measureScenario(server.url, server.pid, side, pair, scenario, opts.load, warmupRequests));
      } catch (err) {
        samples.push(failedSample(side, pair, scenario, (err as Error).message));
      }
    }
  } finally {
    if (trace) opts.onMemoryTrace!(trace.stop());
    await server.stop();
  }
  return samples;
}
