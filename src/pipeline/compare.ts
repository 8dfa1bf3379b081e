// The compare job, as numbered steps: resolve the commits, read the config from the base, read the
// lockfile and runtime changes, find each side's runtime, prepare both sides, measure on an alternating schedule, analyse, store. Whatever
// happens, every server, worktree and the load generator are gone when it returns.
import os from 'node:os';
import path from 'node:path';
import { createLoadGenerator, type LoadGenerator } from '../bench/index.ts';
import { overallVerdict } from '../bench/analysis.ts';
import { combineTraces, type MemorySeries } from '../bench/memory-trace.ts';
import type { RepoConfig } from '../config/schema.ts';
import type { JobRequest, JobResult, ProgressFn } from '../model.ts';
import type { SoakLedger } from '../store/soak-ledger.ts';
import type { EngineLog } from './engine-log.ts';
import { ResultsStore } from '../store/results-store.ts';
import { openJob, removeJobDir } from './job-config.ts';
import type { SandboxRequirement } from './job-sandbox.ts';
import { lockfileChanges } from './lockfile-changes.ts';
import { describeProblems, measurePair } from './measure-pair.ts';
import { prepareSide, type PreparedSide } from './prepare-side.ts';
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

/** CPU sets for the server and the load generator when the machine has room to separate them. */
export function cpuPlan(config: RepoConfig): { server?: string; load?: string } {
  const cpus = os.availableParallelism();
  if (!config.pinCpus || cpus < 2) return {};
  return { load: '0', server: `1-${cpus - 1}` };
}

export async function runCompare(request: JobRequest, options: RunJobOptions): Promise<JobResult> {
  const startedAt = new Date().toISOString();
  const progress = options.onProgress ?? (() => {});
  const { signal } = options;
  // 1–2. The commits, and the config from the base commit (never from the head being judged).
  progress({ phase: 'prepare', message: `opening ${request.repo}` });
  const { repoDir, baseSha, headSha, config, configSource, cacheDir, jobDir, sandbox } = await openJob(request, options);
  progress({ phase: 'prepare', message: `config from ${configSource}: ${config.scenarios.length} scenario(s), ${config.repeats.min}–${config.repeats.max} pairs` });

  // 3. What changed.
  const { changes, notes } = await lockfileChanges(repoDir, baseSha, headSha, request.prText);

  const sides: PreparedSide[] = [];
  let load: LoadGenerator | undefined;
  try {
    // 4. The runtime of each side (a runtime that cannot be had fails here, before any install).
    const runtimes = await resolveSideRuntimes({
      repoDir, baseSha, headSha, config, baseFlag: request.options?.baseRuntime, headFlag: request.options?.headRuntime, cacheDir, signal, onProgress: progress,
    });
    changes.push(...runtimes.changes);
    notes.push(...runtimes.notes);
    const sidesRuntimes = runtimeSides(runtimes.base, runtimes.head);

    // 5. Both sides, installed and built.
    for (const [label, sha] of [['base', baseSha], ['head', headSha]] as const) {
      signal?.throwIfAborted();
      sides.push(
        await prepareSide({
          label, repoDir, sha, worktreeDir: path.join(jobDir, label), cacheDir, config, sandbox, cacheScope: request.repo,
          extraEnv: options.childEnv, runtimes: runtimes[label], onProgress: progress, signal,
        }),
      );
    }
    const [base, head] = sides;

    // 6. Measure; on a runtime change, each server's memory over its life too.
    const cpus = cpuPlan(config);
    load = await createLoadGenerator({ cpus: cpus.load, enter: await sandbox.networkPrefix(), signal });
    const store = new ResultsStore(options.dbFile ?? path.join(options.dataDir, 'bumpbench.db'));
    const memoryTraces = sidesRuntimes.changed ? { base: [] as MemorySeries[], head: [] as MemorySeries[] } : undefined;
    const outcome = await measurePair({
      base, head, config, load, serverCpus: cpus.server, calibration: store.getCalibration(request.repo), memoryTraces, onProgress: progress, signal,
    });
    if (memoryTraces) sidesRuntimes.memory = { base: combineTraces(memoryTraces.base), head: combineTraces(memoryTraces.head) };

    // 7. Analyse and report.
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
      startedAt,
      finishedAt: new Date().toISOString(),
      samples: outcome.samples,
    };
    // 8. Store.
    const id = store.saveResult(result, { runId: options.runId });
    store.close();
    progress({ phase: 'done', message: `result stored as #${id} in ${store.file}` });
    if (!options.keepSamples) delete result.samples;
    return result;
  } finally {
    await load?.close();
    await removeJobDir(jobDir, sides.map((side) => side.worktree), sandbox);
  }
}
