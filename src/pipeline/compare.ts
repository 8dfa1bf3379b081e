// The compare job, as numbered steps: resolve the commits, read the config from the base, read the
// lockfile and runtime changes, find each side's runtime, prepare both sides, measure on an alternating schedule, analyse, store. Whatever
// happens, every server, worktree and the load generator are gone when it returns.
import os from 'node:os';
import path from 'node:path';
import { createLoadGenerator, type LoadGenerator } from '../bench/index.ts';
import { whilePinned } from '../bench/self-affinity.ts';
import { analyseSamples, overallVerdict } from '../bench/analysis.ts';
import { extensionPairs, openScenarios, type ScheduleOutcome } from '../bench/scheduler.ts';
import { measuringDigest } from '../config/digest.ts';
import { combineTraces, type MemorySeries } from '../bench/memory-trace.ts';
import type { RepoConfig } from '../config/schema.ts';
import type { JobRequest, JobResult, ProgressFn, ScenarioResult } from '../model.ts';
import { checkResumeRuntimes, findResumePoint, pairOrigins, type ResumePoint } from './resume.ts';
import type { SoakLedger } from '../store/soak-ledger.ts';
import type { EngineLog } from './engine-log.ts';
import { ResultsStore } from '../store/results-store.ts';
import { loadCalibration } from './job-calibration.ts';
import { openJob, removeJobDir } from './job-config.ts';
import type { SandboxRequirement } from './job-sandbox.ts';
import { devOnlyFromGit } from './dev-only-skip.ts';
import { lockfileChanges } from './lockfile-changes.ts';
import { describeProblems, measurePair } from './measure-pair.ts';
import { observeSides } from './observe-sides.ts';
import { prepareSides, releaseSide, type PreparedSide } from './prepare-side.ts';
import { resolveSideRuntimes, runtimeSides } from './side-runtimes.ts';

export interface RunJobOptions {
  /** Where caches (repos, installs, worktrees) and the SQLite store live. */
  dataDir: string;
  /** The SQLite file; default `<dataDir>/bumpbench.db`. */
  dbFile?: string;
  onProgress?: ProgressFn;
  /** Aborting cancels the job: it rejects with CancelledError after cleaning up. */
  signal?: AbortSignal;
  /** An already validated config (the App passes the base branch's); otherwise read from the base commit. */
  config?: RepoConfig;
  /** Extra environment for install/build/server (never secrets). */
  childEnv?: Record<string, string>;
  /** A token for the git fetch of an http(s) `request.repo`; git gets it in its environment, never argv. */
  gitToken?: string;
  /** Keep the raw samples in the returned result (they are always stored). */
  keepSamples?: boolean;
  /** The sandbox for the repo's commands: 'required' (App, runners), 'preferred' (CLI, default), 'off'. */
  sandbox?: SandboxRequirement;
  /** Hosts installs may reach besides the public registries and the config's allowHosts (a local registry). */
  allowHosts?: readonly string[];
  /**
   * Bisect only: a compare result of the same two commits, measured just before. Its verdict stands in for
   * the bisect's own confirmation step instead of measuring base vs head again.
   */
  confirmedBy?: JobResult;
  /** The store's run this job records into (set by runJob); its result is linked to it when stored. */
  runId?: number;
  /** Where the engine narrates its steps (every progress event); bound to repo, PR, SHA and job id by the caller. */
  log?: EngineLog;
  /**
   * Soak only: what the soak's samples are kept under. The same key on a later run (the App's job, rerun
   * after a restart or on another runner) resumes the soak from them (src/pipeline/soak-resume.ts).
   */
  soakKey?: string;
  /** Soak only: where its samples are kept (default: SQLite beside the results). */
  soakLedger?: (key: string) => SoakLedger;
}

export interface CpuPlan {
  /** taskset list of the server. */
  server?: string;
  /** taskset list of the first load-generator worker, and of this process while it measures. */
  load?: string;
  /** One CPU per extra load-generator worker the pool may scale out to. */
  spareLoad?: string[];
}

/**
 * CPU sets for the server and the load generator when the machine has room to separate them: the first
 * third of the CPUs (at least one) for the load generator (its first worker on CPU 0, the others spare,
 * for scaling out when a run is generator-bound), the rest for the server. 2 CPUs: generator 0, server 1.
 */
export function cpuPlan(config: RepoConfig, cpus = os.availableParallelism()): CpuPlan {
  if (!config.pinCpus || cpus < 2) return {};
  const generators = Math.max(1, Math.floor(cpus / 3));
  return {
    load: '0',
    spareLoad: Array.from({ length: generators - 1 }, (_, i) => String(i + 1)),
    server: generators === cpus - 1 ? String(generators) : `${generators}-${cpus - 1}`,
  };
}

/** Where a job's CPU profiles are kept: beside the store, named like the job's scratch dir. */
export function profilesDirOf(dataDir: string, jobDir: string): string {
  return path.join(dataDir, 'profiles', path.basename(jobDir));
}

/** What a resume adds: the stored samples judged under the current config, what they leave open, and how many pairs to add. */
interface Extension {
  results: ScenarioResult[];
  open: string[];
  pairs: number;
}

function planExtension(from: ResumePoint, config: RepoConfig, calibration: Map<string, { cv: number; runs: number }>, asked: number | undefined): Extension {
  const names = config.scenarios.map((s) => s.name);
  const results = analyseSamples(names, from.samples, { thresholds: config.thresholds, gatedMetrics: config.gatedMetrics, calibration });
  return { results, open: openScenarios(results), pairs: asked ?? extensionPairs(results, config.repeats.min, config.repeats.max) };
}

export async function runCompare(request: JobRequest, options: RunJobOptions): Promise<JobResult> {
  const startedAt = new Date().toISOString();
  const progress = options.onProgress ?? (() => {});
  const { signal } = options;
  // 1–2. The commits, and the config from the base commit (never from the head being judged).
  progress({ phase: 'prepare', message: `opening ${request.repo}` });
  const { repoDir, baseSha, headSha, config, configSource, configName, cacheDir, jobDir, sandbox } = await openJob(request, options);
  progress({ phase: 'prepare', message: `config from ${configSource}: ${config.scenarios.length} scenario(s), ${config.repeats.min}–${config.repeats.max} pairs` });

  // 3. What changed; a bump of dev dependencies only ends here when asked to (nothing the server runs moved).
  const { changes, notes } = await lockfileChanges(repoDir, baseSha, headSha, request.prText);
  const digest = measuringDigest(config);
  // A resume carries on from a stored compare of these commits; found (or refused) before anything is installed.
  let resumeFrom: ResumePoint | null = null;
  if (request.options?.resume !== undefined) {
    const store = new ResultsStore(options.dbFile ?? path.join(options.dataDir, 'bumpbench.db'));
    try {
      resumeFrom = findResumePoint(store, request, { base: baseSha, head: headSha }, digest, notes);
    } catch (err) {
      await removeJobDir(jobDir, [], sandbox);
      throw err;
    } finally {
      store.close();
    }
  }
  if (request.options?.skipDevOnly && config.triggers.skipDevOnly && !resumeFrom) {
    const devOnly = await devOnlyFromGit(repoDir, baseSha, headSha, changes);
    if (devOnly.devOnly) {
      await removeJobDir(jobDir, [], sandbox);
      const message = `Skipped: the bump changes ${devOnly.summary} and nothing the server runs, so there is nothing new to measure (\`triggers.skipDevOnly\`). A build that compiles with dev dependencies (TypeScript, Babel, a bundler) can still change the server: measure it anyway with --measure-dev-only.`;
      progress({ phase: 'done', message });
      return {
        kind: 'compare', verdict: 'unchanged', repo: request.repo,
        base: { ref: request.base.ref, sha: baseSha }, head: { ref: request.head.ref, sha: headSha },
        changes, scenarios: [], culprit: null, soak: null, notes, startedAt, finishedAt: new Date().toISOString(),
        skipped: { reason: 'dev-only', message },
      };
    }
    progress({ phase: 'prepare', message: `not a dev-only bump: ${devOnly.why}` });
  }

  const sides: PreparedSide[] = [];
  let load: LoadGenerator | undefined;
  const cpus = cpuPlan(config);
  try {
    // 4. The runtime of each side (a runtime that cannot be had fails here, before any install).
    const runtimes = await resolveSideRuntimes({
      repoDir, baseSha, headSha, config, baseFlag: request.options?.baseRuntime, headFlag: request.options?.headRuntime, cacheDir, signal, onProgress: progress,
    });
    changes.push(...runtimes.changes);
    notes.push(...runtimes.notes);
    const sidesRuntimes = runtimeSides(runtimes.base, runtimes.head);
    if (resumeFrom) checkResumeRuntimes(resumeFrom, sidesRuntimes);

    const calibration = await loadCalibration(request.repo, options);
    const extension = resumeFrom ? planExtension(resumeFrom, config, calibration.byMetric, request.options?.pairs) : null;
    if (resumeFrom && extension) {
      const stored = new Set(resumeFrom.samples.map((x) => x.pair)).size;
      progress({
        phase: 'prepare',
        message: extension.open.length === 0
          ? `extending result #${resumeFrom.id}: its ${stored} pairs already settle every scenario; nothing more to measure`
          : `extending result #${resumeFrom.id}: ${stored} stored pairs, ${extension.pairs} more for ${extension.open.join(', ')}`,
      });
    }
    let outcome: Pick<ScheduleOutcome, 'samples' | 'scenarios'>;
    if (resumeFrom && extension?.open.length === 0) {
      // Settled already: the verdict is the stored samples' (under today's thresholds), nothing is prepared.
      outcome = { samples: resumeFrom.samples, scenarios: extension.results };
      notes.push(`Result #${resumeFrom.id} already settles every scenario: no pairs were added.`);
    } else {
      // 5. Both sides at once, installed, built, and their services set up.
      sides.push(
        ...(await prepareSides(
          ([['base', baseSha], ['head', headSha]] as const).map(([label, sha]) => ({
            label, repoDir, sha, worktreeDir: path.join(jobDir, label), cacheDir, config, configName, sandbox, cacheScope: request.repo,
            extraEnv: options.childEnv, runtimes: runtimes[label], serverCpus: cpus.server, onProgress: progress, signal,
          })),
        )),
      );
      const [base, head] = sides;

      // 6. Measure (a resume: only the new pairs); on a runtime change, each server's memory over its life too.
      load = await createLoadGenerator({ cpus: cpus.load, spareCpus: cpus.spareLoad, enter: await sandbox.networkPrefix(), signal });
      const memoryTraces = sidesRuntimes.changed ? { base: [] as MemorySeries[], head: [] as MemorySeries[] } : undefined;
      // The sampler and the schedule run here: keep them off the server's CPUs while it is measured.
      outcome = await whilePinned(cpus.load, () =>
        measurePair({
          base, head, config, load: load!, serverCpus: cpus.server, calibration: calibration.byMetric, memoryTraces, onProgress: progress, signal,
          ...(resumeFrom && extension ? { initial: resumeFrom.samples, repeats: { min: extension.pairs, max: extension.pairs } } : {}),
        }),
      );
      if (memoryTraces) sidesRuntimes.memory = { base: combineTraces(memoryTraces.base), head: combineTraces(memoryTraces.head) };
    }

    // 7. Why: an unmeasured observe run per side, with hooks (docs/hints.md).
    // A resume that measured nothing new prepared no sides: its hints stay those of the stored result.
    const why = config.hints && sides.length === 2 && load
      ? await observeSides({
          base: sides[0], head: sides[1], config, load, serverCpus: cpus.server, measured: outcome.scenarios, changes,
          workDir: path.join(jobDir, 'observe'), profilesDir: profilesDirOf(options.dataDir, jobDir), onProgress: progress, signal,
        })
      : null;

    // 8. Analyse and report.
    notes.push(...describeProblems(outcome.samples));
    const result: JobResult = {
      kind: 'compare',
      verdict: overallVerdict(outcome.scenarios),
      repo: request.repo,
      base: { ref: request.base.ref, sha: baseSha },
      head: { ref: request.head.ref, sha: headSha },
      changes,
      scenarios: outcome.scenarios,
      culprit: null,
      soak: null,
      runtimes: sidesRuntimes,
      notes,
      calibration: calibration.summary,
      ...(why ? { hints: why.hints, ...(why.observation ? { observation: why.observation } : {}) } : {}),
      startedAt,
      finishedAt: new Date().toISOString(),
      samples: outcome.samples,
      configDigest: digest,
      ...(resumeFrom ? { resumed: { from: resumeFrom.id, pairs: pairOrigins(outcome.samples) } } : {}),
    };
    // 9. Store.
    const store = new ResultsStore(options.dbFile ?? path.join(options.dataDir, 'bumpbench.db'));
    const id = store.saveResult(result, { runId: options.runId });
    store.close();
    progress({ phase: 'done', message: `result stored as #${id} in ${store.file}` });
    if (!options.keepSamples) delete result.samples;
    return result;
  } finally {
    await load?.close();
    for (const side of sides) await releaseSide(side);
    await removeJobDir(jobDir, sides.map((side) => side.worktree), sandbox);
  }
}
