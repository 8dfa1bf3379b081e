// Wiring shared by `bumpbench serve` (in-process worker) and `bumpbench worker` (no webhook server):
// the SQLite queue, the engine as the runner, GitHub as the reporter.
import type { Probot } from 'probot';
import type { JobQueue } from '../jobs/queue.ts';
import { createWorker, type Log, type Worker } from '../jobs/worker.ts';
import { runJob } from '../pipeline/run-job.ts';
import { redactor } from './redact.ts';
import { createGitHubReporter, createGitHubRunner, type GitHubWorkerDeps, type RunJobFn } from './job-handlers.ts';

export interface GitHubWorkerOptions {
  probot: Probot;
  queue: JobQueue;
  dataDir: string;
  log: Log;
  /** The engine; tests may pass a stand-in. */
  runJob?: RunJobFn;
  pollMs?: number;
  progressIntervalMs?: number;
  /** The dashboard's public URL; default BUMPBENCH_PUBLIC_URL. */
  publicUrl?: string;
}

export function createGitHubWorker(options: GitHubWorkerOptions): Worker {
  const { probot, queue } = options;
  const deps: GitHubWorkerDeps = {
    auth: (installationId) => probot.auth(installationId),
    getJob: (id) => queue.get(id),
    setCheckRunId: (id, checkRunId) => queue.setCheckRunId(id, checkRunId),
    dataDir: options.dataDir,
    runJob: options.runJob ?? runJob,
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
