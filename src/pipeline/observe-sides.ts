// Step: the observe runs of a compare (and of a bisect's confirmation). After the measured pairs, each
// side gets one more fresh server, this one with the hooks loaded, and each scenario that may be worse on
// head once, warmed up as the measured runs are, then its run with responses counted per bucket (unchanged
// and faster scenarios have nothing to explain, and would cost a warm-up and a run each). The measured samples never see a hook;
// these runs are never measured. Then the hints: outbound calls and CPU by package, head against
// base, and each side's profile saved beside the result. An observe run that fails costs its hints,
// never the job.
import path from 'node:path';
import { sampleTree, type LoadGenerator } from '../bench/index.ts';
import { mayBeWorse } from '../bench/analysis.ts';
import { warmUp } from '../bench/warmup.ts';
import type { RepoConfig } from '../config/schema.ts';
import {
  BUCKET_MS, PackageNames, cpuHints, cpuTable, ephemeralPortRange, outboundHints, pythonCpuprofile, rankHints, readObservation, samplesFromPython,
  samplesFromV8, saveProfiles, countedBuckets, type AttributedSample, type ObservedScenario, type ProcessObservation,
} from '../hints/index.ts';
import type { Change, Hint, Observation, ProfileFiles, ProgressFn, ScenarioResult } from '../model.ts';
import { firstScenarioMinMs, logInToServer, startSideServer, warmupFloors } from './measure-sample.ts';
import { observeDir, observeExtras, orderHooks, waitForHooks } from './observe-run.ts';
import type { PreparedSide } from './prepare-side.ts';

/** How long the hooks get to write their profiles after `stop`. */
const STOP_WAIT_MS = 10_000;

/**
 * Shortest observed run of a scenario: the tests compare 200 ms windows, and a rank test of 4 windows a
 * side cannot get below p = 0.029 however clear the difference; 2 s gives 9 and p down to 0.00004.
 */
export const MIN_OBSERVED_MS = 2_000;

export interface ObserveSidesOptions {
  base: PreparedSide;
  head: PreparedSide;
  config: RepoConfig;
  load: LoadGenerator;
  serverCpus?: string;
  /** The measured result: CPU hints only explain a change the measurement found. */
  measured: readonly ScenarioResult[];
  changes: readonly Change[];
  /** Scratch space for the hooks' output (removed with the job). */
  workDir: string;
  /** Where the profiles are kept, beside the stored result. */
  profilesDir: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

/** What observeSide runs: the scenarios to observe, in the config's order. */
type ObserveSideOptions = Pick<ObserveSidesOptions, 'config' | 'load' | 'serverCpus' | 'workDir' | 'signal'> & { scenarios: RepoConfig['scenarios'] };

export interface SideRun {
  scenarios: ObservedScenario[];
  processes: ProcessObservation[];
  notes: string[];
}

/** One side's observe run: a fresh server with the hooks, every scenario once, then the hooks' report. */
export async function observeSide(
  prepared: PreparedSide,
  side: 'base' | 'head',
  opts: ObserveSideOptions,
): Promise<SideRun> {
  const dir = await observeDir(prepared, path.join(opts.workDir, side));
  const notes: string[] = [];
  const scenarios: ObservedScenario[] = [];
  const server = await startSideServer(prepared, opts.config, `${prepared.label} observe server`, opts.serverCpus, observeExtras(prepared, dir, ['outbound', 'cpu']));
  const { requests: warmupRequests, firstMs: firstWarmupMs } = warmupFloors(prepared.runtimes);
  try {
    // Logged in as the measured servers are, so the observed requests are the ones that were measured.
    const session = await logInToServer(prepared, opts.config, opts.load, server);
    for (const [index, scenario] of opts.scenarios.entries()) {
      const minMs = index === 0 ? firstScenarioMinMs(scenario, firstWarmupMs) : 0;
      opts.signal?.throwIfAborted();
      if (server.exited) {
        notes.push(`${side}'s observe server exited before \`${scenario.name}\`: ${server.outputTail().split('\n').slice(-1)[0]}`);
        break;
      }
      // Warmed up as the measured runs are (until throughput and CPU per request stop trending), so the
      // observed run sees the server in the state the measurements did.
      await warmUp(opts.load, server.url, scenario, { minRequests: warmupRequests, minMs, session, cpuSeconds: () => sampleTree(server.pid).cpuSeconds });
      const run = await opts.load.run(server.url, { ...scenario, warmup: 0, duration: Math.max(scenario.duration, MIN_OBSERVED_MS) }, { bucketMs: BUCKET_MS, session });
      scenarios.push({ scenario: scenario.name, bucketMs: BUCKET_MS, completions: new Map(run.completions ?? []) });
    }
    await orderHooks(dir, 'stop');
    const missing = await waitForHooks(dir, 'done', STOP_WAIT_MS, { signal: opts.signal, running: () => !server.exited });
    if (missing > 0) notes.push(`${missing} process(es) of ${side}'s observe server did not finish their report within ${STOP_WAIT_MS / 1000} s.`);
  } finally {
    await server.stop();
  }
  const processes = await readObservation(dir);
  if (processes.length === 0) notes.push(`${side}'s observe run saw no Node or Python process load the hooks, so there are no hints from it (docs/hints.md: what can be observed).`);
  for (const p of processes) notes.push(...p.problems.map((why) => `${side} observe run: ${why}`));
  return { scenarios, processes, notes };
}

function cpuSamplesOf(proc: ProcessObservation, projectDir: string): AttributedSample[] {
  if (proc.cpuprofile) return samplesFromV8(proc.cpuprofile.profile, BUCKET_MS, projectDir);
  if (proc.pyprofile && proc.pyprofile.bucketMs === BUCKET_MS) return samplesFromPython(proc.pyprofile, projectDir);
  return [];
}

/** The side's samples (every process), and the busiest process's profile to keep. */
function sideCpu(run: SideRun, projectDir: string): { samples: AttributedSample[]; keep: { cpuprofile: string; samples: AttributedSample[] } | null } {
  const counted = new Set(run.scenarios.flatMap(countedBuckets));
  let best: { cpu: number; cpuprofile: string; samples: AttributedSample[] } | null = null;
  const all: AttributedSample[] = [];
  for (const proc of run.processes) {
    const samples = cpuSamplesOf(proc, projectDir);
    all.push(...samples);
    const cpu = samples.reduce((a, s) => a + (counted.has(s.bucket) ? s.us : 0), 0);
    const cpuprofile = proc.cpuprofile?.text ?? (proc.pyprofile ? pythonCpuprofile(proc.pyprofile) : null);
    if (cpuprofile && (!best || cpu > best.cpu)) best = { cpu, cpuprofile, samples };
  }
  return { samples: all, keep: best };
}

/** The observe runs and their hints; no observation when no scenario may be worse on head. */
export async function observeSides(opts: ObserveSidesOptions): Promise<{ hints: Hint[]; observation?: Observation }> {
  const started = performance.now();
  const progress = opts.onProgress ?? (() => {});
  const worse = new Set(opts.measured.filter(mayBeWorse).map((s) => s.name));
  const scenarios = opts.config.scenarios.filter((s) => worse.has(s.name));
  if (scenarios.length === 0) {
    progress({ phase: 'analyse', message: 'no observe runs: no scenario may be worse on head, so there is nothing to explain' });
    return { hints: [] };
  }
  const notes: string[] = [];
  const runs: Partial<Record<'base' | 'head', SideRun>> = {};
  for (const side of ['base', 'head'] as const) {
    progress({ phase: 'measure', message: `${side}: observe run (unmeasured, with hooks): outbound calls and CPU by package` });
    try {
      runs[side] = await observeSide(side === 'base' ? opts.base : opts.head, side, { ...opts, scenarios });
      notes.push(...runs[side]!.notes);
    } catch (err) {
      opts.signal?.throwIfAborted();
      notes.push(`${side}'s observe run failed, so there are no hints: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const hints: Hint[] = [];
  const profiles: Observation['profiles'] = {};
  let cpuFigures: Observation['cpu'];
  if (runs.base && runs.head) {
    const names = new PackageNames(opts.changes);
    for (const p of [...runs.base.processes, ...runs.head.processes]) if (p.packages) names.addDistributions(p.packages);
    hints.push(...outboundHints(runs.base, runs.head, { names, ephemeralPorts: ephemeralPortRange() }));
    const cpu = { base: sideCpu(runs.base, opts.base.projectDir), head: sideCpu(runs.head, opts.head.projectDir) };
    const cpuSides = { base: { scenarios: runs.base.scenarios, samples: cpu.base.samples }, head: { scenarios: runs.head.scenarios, samples: cpu.head.samples } };
    hints.push(...cpuHints(cpuSides.base, cpuSides.head, { names, measured: opts.measured }));
    cpuFigures = cpuTable(cpuSides.base, cpuSides.head, names);
    for (const side of ['base', 'head'] as const) {
      const keep = cpu[side].keep;
      if (!keep) continue;
      try {
        profiles[side] = (await saveProfiles(opts.profilesDir, side, { ...keep, scenarios: runs[side]!.scenarios })) satisfies ProfileFiles;
      } catch (err) {
        notes.push(`could not save ${side}'s CPU profile: ${(err as Error).message}`);
      }
    }
  }
  const observation: Observation = { seconds: (performance.now() - started) / 1000, profiles, ...(cpuFigures?.length ? { cpu: cpuFigures } : {}), notes };
  progress({ phase: 'analyse', message: `observe runs took ${observation.seconds.toFixed(1)} s: ${hints.length} hint(s)` });
  return { hints: rankHints(hints), observation };
}
