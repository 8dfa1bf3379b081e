// One sample of one side: a fresh server process, then every scenario once (an unmeasured warm-up run,
// then the measured run) while the server's process tree is watched for CPU and memory.
import type { RepoConfig, Scenario } from '../config/schema.ts';
import type { RunSample } from '../model.ts';
import os from 'node:os';
import { monitorTree, ServerStartError, startServer, type LoadGenerator, type LoadRun, type ServerHandle } from '../bench/index.ts';
import { cpuCount, isLoadGenBound } from '../bench/load-bound.ts';
import { UserFacingError } from './errors.ts';
import type { PreparedSide } from './prepare-side.ts';

function failedSample(side: 'base' | 'head', pair: number, scenario: Scenario, failure: string): RunSample {
  return {
    side, pair, scenario: scenario.name, ok: false, failure,
    requests: 0, durationSec: 0, throughput: 0, latencyUs: { p50: 0, p90: 0, p99: 0, mean: 0 },
    errors: 0, timeouts: 0, non2xx: 0, cpuSeconds: 0, cpuPerRequest: 0, peakRssBytes: 0, loadGenCpu: 0, loadGenBound: false,
  };
}

async function measureOnce(
  url: string, serverPid: number, side: 'base' | 'head', pair: number, scenario: Scenario, load: LoadGenerator, serverCpus: string | undefined,
): Promise<RunSample> {
  if (scenario.warmup > 0) await load.run(url, { ...scenario, duration: scenario.warmup, warmup: 0 });
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
      loadGenCpu: run.loadGenCpu, serverBusiestThread, serverCores, serverCpuCount: cpuCount(serverCpus, os.availableParallelism()),
    }),
    serverBusiestThread,
    serverCores,
    loadGenWorkers: run.workers ?? load.workers,
  };
}

/**
 * One measured run of a scenario. When the generator, not the server, was the limit, the generator
 * scales out to a spare CPU (if it has one) and the scenario is measured again on the same server, so
 * the run that counts is one the server, not autocannon, decided. The scale-out stays for the job.
 */
export async function measureScenario(
  url: string, serverPid: number, side: 'base' | 'head', pair: number, scenario: Scenario, load: LoadGenerator, serverCpus: string | undefined,
): Promise<RunSample> {
  let sample = await measureOnce(url, serverPid, side, pair, scenario, load, serverCpus);
  while (sample.loadGenBound && (await load.scaleOut())) {
    sample = await measureOnce(url, serverPid, side, pair, scenario, load, serverCpus);
  }
  return sample;
}

/** A fresh server of one prepared side; a server that does not start is the user's to fix, so it says how. */
export async function startSideServer(prepared: PreparedSide, config: RepoConfig, label: string, cpus?: string): Promise<ServerHandle> {
  try {
    return await startServer({
      command: config.start,
      cwd: prepared.projectDir,
      env: prepared.env,
      readyPath: config.ready.path,
      readyTimeoutMs: config.ready.timeoutMs,
      cpus,
      label,
      launcher: {
        plan: (command, cwd, env, cpuList) =>
          prepared.sandbox.plan({ command, cwd, env, phase: 'serve', writable: [prepared.worktree], readOnly: prepared.readOnly, cpus: cpuList }),
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
  /** Only these scenarios (by name; default every scenario): later batches measure the still-open ones. */
  scenarios?: readonly string[];
}): Promise<RunSample[]> {
  const { prepared, config, side, pair } = opts;
  const scenarios = opts.scenarios ? config.scenarios.filter((s) => opts.scenarios!.includes(s.name)) : config.scenarios;
  const server = await startSideServer(prepared, config, `${side} server`, opts.serverCpus);
  const samples: RunSample[] = [];
  try {
    for (const scenario of scenarios) {
      if (server.exited) {
        samples.push(failedSample(side, pair, scenario, `the server exited:\n${server.outputTail()}`));
        continue;
      }
      try {
        samples.push(await measureScenario(server.url, server.pid, side, pair, scenario, opts.load, opts.serverCpus));
      } catch (err) {
        samples.push(failedSample(side, pair, scenario, (err as Error).message));
      }
    }
  } finally {
    await server.stop();
  }
  return samples;
}
