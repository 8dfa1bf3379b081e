// Wiring shared by `bumpbench serve` (in-process worker) and `bumpbench worker` (no webhook server):
// the SQLite queue, the engine (or the fleet) as the executor, GitHub as the reporter.
import type { Probot } from 'probot';
import { parseConfigText } from '../config/load.ts';
import { localExecutor, type JobExecutor } from '../jobs/executor.ts';
import type { Job, JobQueue, Lane } from '../jobs/queue.ts';
import { budgetCapMs, jobBudget, type JobBudget } from '../pipeline/job-budget.ts';
import type { SandboxRequirement } from '../pipeline/job-sandbox.ts';
import { createWorker, type Log, type Worker } from '../jobs/worker.ts';
import { gitHubOrigin } from './clone-url.ts';
import { redactor } from './redact.ts';
import { createGitHubReporter, createGitHubRunner, type GitHubWorkerDeps } from './job-handlers.ts';

export interface GitHubWorkerOptions {
  probot: Probot;
  queue: JobQueue;
  dataDir: string;
  log: Log;
  /** Where runs happen: the engine here (default), or the fleet's dispatcher; tests may pass a stand-in. */
  execute?: JobExecutor;
  /** The origin clone URLs must be on; default github.com, or GHE_HOST. */
  gitHubOrigin?: string;
  pollMs?: number;
  progressIntervalMs?: number;
  /** The dashboard's public URL; default BUMPBENCH_PUBLIC_URL. */
  publicUrl?: string;
  /** Sandbox for the repositories' commands when the engine runs here: 'required' unless --unsafe-no-sandbox. */
  sandbox?: SandboxRequirement;
  /** The kinds this worker takes (the soak lane, or everything but soaks); default all. */
  lane?: Lane;
}

/** A GitHub job's budget, from the base branch's config it carries; none when that config does not parse (the run fails on it anyway). */
export function githubJobBudget(job: Job, capMs = budgetCapMs()): JobBudget | null {
  const text = job.payload.github?.configText;
  if (text === undefined) return null;
  try {
    return jobBudget(job.kind, parseConfigText(text), job.payload.options, capMs);
  } catch {
    return null;
  }
}

export function createGitHubWorker(options: GitHubWorkerOptions): Worker {
  const { probot, queue } = options;
  const deps: GitHubWorkerDeps = {
    auth: (installationId) => probot.auth(installationId),
    appAuth: () => probot.auth(),
    getJob: (id) => queue.get(id),
    setCheckRunId: (id, checkRunId) => queue.setCheckRunId(id, checkRunId),
    dataDir: options.dataDir,
    execute: options.execute ?? localExecutor(undefined, options.sandbox ?? 'required'),
    gitHubOrigin: options.gitHubOrigin ?? gitHubOrigin(),
    progressIntervalMs: options.progressIntervalMs,
    publicUrl: options.publicUrl ?? (process.env.BUMPBENCH_PUBLIC_URL || undefined),
  };
  return createWorker({
    queue,
    runner: createGitHubRunner(deps),
    reporter: createGitHubReporter(deps),
    log: options.log,
    pollMs: options.pollMs,
    describeError: (error) => redactor.describe(error),
    budgetOf: (job) => githubJobBudget(job),
    ...(options.lane ? { lane: options.lane } : {}),
  });
}

/**
 * The workers of one process, in two lanes: `slots` that take everything but soaks, and `soakSlots` that
 * take only soaks (0: no lane of its own, the slots take soaks too). A soak holds its worker for hours;
 * in its own lane, compares and bisects on the same machine do not wait behind it.
 */
export function createGitHubWorkers(options: GitHubWorkerOptions & { slots: number; soakSlots: number; name: string }): Worker[] {
  const workers: Worker[] = [];
  const lane = options.soakSlots > 0 ? { excludeKinds: ['soak'] as const } : undefined;
  for (let i = 0; i < options.slots; i++) {
    workers.push(createGitHubWorker({ ...options, ...(lane ? { lane } : {}), log: options.log.child({ name: options.slots > 1 ? `${options.name}-${i + 1}` : options.name }) }));
  }
  for (let i = 0; i < options.soakSlots; i++) {
    workers.push(createGitHubWorker({ ...options, lane: { kinds: ['soak'] }, log: options.log.child({ name: options.soakSlots > 1 ? `soak-${i + 1}` : 'soak' }) }));
  }
  return workers;
}
