// Wiring shared by `bumpbench serve` (in-process worker) and `bumpbench worker` (no webhook server):
// the SQLite queue, the engine (or the fleet) as the executor, GitHub as the reporter.
import type { Probot } from 'probot';
import { localExecutor, type JobExecutor } from '../jobs/executor.ts';
import type { JobQueue } from '../jobs/queue.ts';
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
  });
}
