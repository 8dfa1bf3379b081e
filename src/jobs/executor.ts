// Where a job's run happens: on this machine (the engine, in-process) or on a runner of the fleet
// (src/jobs/fleet.ts). Both take the same request and options, plus what the run needs access to, which
// is handed over only when the run really starts: the git token is minted then, not when the job is
// queued or claimed, so no token waits in a queue and none outlives its run by more than its expiry.
import type { JobRequest, JobResult } from '../model.ts';
import type { SandboxRequirement } from '../pipeline/job-sandbox.ts';
import { runJob, type RunJobOptions } from '../pipeline/run-job.ts';

export interface RunAccess {
  /** The base branch's config as YAML text (the fleet sends the text and lets the runner validate it). */
  configText?: string;
  /** Mints a token to fetch `request.repo` with; absent for local paths and file:// URLs. */
  mintToken?: () => Promise<string>;
  /** The App's job id, for the log of whoever runs it (a fleet runner). */
  jobId?: number;
}

export type JobExecutor = (request: JobRequest, options: RunJobOptions, access: RunAccess) => Promise<JobResult>;

/**
 * Runs the engine here, with a token minted right before the fetch, and the repository's commands in the
 * sandbox ('required' unless the operator turned it off with --unsafe-no-sandbox).
 */
export function localExecutor(
  engine: (request: JobRequest, options: RunJobOptions) => Promise<JobResult> = runJob,
  sandbox: SandboxRequirement = 'required',
): JobExecutor {
  return async (request, options, access) => {
    const gitToken = access.mintToken ? await access.mintToken() : undefined;
    return engine(request, { ...options, sandbox, ...(gitToken ? { gitToken } : {}) });
  };
}
