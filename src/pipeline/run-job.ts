// The engine's one entry point, shared by the CLI, the App's worker and a remote worker:
// a JobRequest in, a JobResult out, progress through a callback.
import type { JobRequest, JobResult } from '../model.ts';
import { runBisect } from './bisect.ts';
import { runCompare, type RunJobOptions } from './compare.ts';
import { runSoak } from './soak.ts';
import { CancelledError, UserFacingError } from './errors.ts';

export type { RunJobOptions } from './compare.ts';
export { CancelledError, UserFacingError } from './errors.ts';

export async function runJob(request: JobRequest, options: RunJobOptions): Promise<JobResult> {
  try {
    switch (request.kind) {
      case 'compare':
        return await runCompare(request, options);
      case 'bisect':
        return await runBisect(request, options);
      case 'soak':
        return await runSoak(request, options);
      default:
        throw new UserFacingError(`"${(request as { kind: string }).kind}" is not a kind of job: use compare, bisect or soak`);
    }
  } catch (err) {
    if (options.signal?.aborted) throw new CancelledError();
    throw err;
  }
}
