// Runs in a worker thread: diffs lockfiles off the main thread, whose event loop also answers webhooks.
// A hostile lockfile (megabytes of YAML aliases, deep nesting) then costs this thread, never the App;
// the caller bounds it in time and terminates it.
import { parentPort } from 'node:worker_threads';
import { diffLockfileContents } from './diff.ts';

export interface DiffRequest {
  file: string;
  before: string | null;
  after: string | null;
  /** The manifest beside the lockfile (package.json, pyproject.toml, Pipfile) on each side, for dev/direct marks. */
  manifests?: { before: string | null; after: string | null };
}

parentPort?.on('message', (request: DiffRequest) => {
  try {
    parentPort!.postMessage({ ok: true, changes: diffLockfileContents(request.file, request.before, request.after, request.manifests) });
  } catch (err) {
    parentPort!.postMessage({ ok: false, message: (err as Error).message });
  }
});
