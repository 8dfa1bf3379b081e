// The engine's one entry point, shared by the CLI, the App's worker and a remote worker:
// a JobRequest in, a JobResult out, progress through a callback. Every run is recorded in the store as it
// happens (opened, each progress event, closed with its result or error), so the dashboard can show a
// running job live from any process that reads the same SQLite file.
import path from 'node:path';
import type { JobRequest, JobResult, ProgressEvent } from '../model.ts';
import { ResultsStore } from '../store/results-store.ts';
import { runBisect } from './bisect.ts';
import { runCompare, type RunJobOptions } from './compare.ts';
import { runSoak } from './soak.ts';
import { CancelledError, UserFacingError } from './errors.ts';
import { narrate } from './engine-log.ts';

export type { RunJobOptions } from './compare.ts';
export { CancelledError, UserFacingError } from './errors.ts';

async function dispatch(request: JobRequest, options: RunJobOptions): Promise<JobResult> {
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
}

/** Text for the store with the git token and any credential of a URL taken out. */
function scrub(text: string, options: RunJobOptions): string {
  const out = options.gitToken ? text.split(options.gitToken).join('***') : text;
  return out.replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1***@');
}

/**
 * The run's record in the store. Recording must never fail the job: a store that cannot be written (a
 * read-only data dir, a lock held too long) only costs the live view, once noted in the progress.
 */
function openRunRecord(request: JobRequest, options: RunJobOptions) {
  let store: ResultsStore | undefined;
  let runId: number | undefined;
  try {
    store = new ResultsStore(options.dbFile ?? path.join(options.dataDir, 'bumpbench.db'));
    runId = store.startRun({ kind: request.kind, repo: scrub(request.repo, options), pr: request.pr, baseRef: request.base.ref, headRef: request.head.ref });
  } catch (err) {
    store?.close();
    store = undefined;
    options.onProgress?.({ phase: 'prepare', message: `note: this run is not recorded for the dashboard (${(err as Error).message})` });
  }
  return {
    runId,
    progress(event: ProgressEvent) {
      if (!store || runId === undefined) return;
      try {
        store.addProgress(runId, { ...event, message: scrub(event.message, options) });
      } catch {
        // A busy store loses one progress line, never the job.
      }
    },
    finish(state: 'done' | 'failed' | 'cancelled', error?: string) {
      if (!store || runId === undefined) return;
      try {
        store.finishRun(runId, state, error === undefined ? undefined : scrub(error, options));
      } catch {
        // As above: the run stays "running" and the dashboard tells from its pid that it is gone.
      } finally {
        store.close();
      }
    },
  };
}

export async function runJob(request: JobRequest, options: RunJobOptions): Promise<JobResult> {
  const record = openRunRecord(request, options);
  const onProgress = (event: ProgressEvent) => {
    record.progress(event);
    narrate(options.log, event);
    options.onProgress?.(event);
  };
  try {
    const result = await dispatch(request, { ...options, onProgress, runId: record.runId });
    record.finish('done');
    return result;
  } catch (err) {
    if (options.signal?.aborted) {
      record.finish('cancelled', 'cancelled');
      throw new CancelledError();
    }
    record.finish('failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
}
