// Step: what the bump changed, read from every lockfile the two commits differ in (monorepos have several),
// and from every file that pins a runtime (.nvmrc, .python-version, engines, Dockerfile FROM, …): a runtime
// bump is a change like a package bump. The lockfile is the truth; the bump's own words (commit messages, or the PR's title and body) are only
// hints, and where they disagree with the lockfile the report says so. A lockfile we cannot read
// becomes a note, not a failed job. Lockfiles come from the PR, so they are hostile input: a size cap,
// and parsing in a worker thread with a deadline, so the App's event loop keeps answering webhooks.
import { Worker } from 'node:worker_threads';
import type { Change } from '../model.ts';
import { compareHints, isLockfilePath, manifestPathFor, parseBumpMessage } from '../lockfiles/index.ts';
import type { DiffRequest } from '../lockfiles/diff-worker.ts';
import { changedFiles, commitMessages, readFileAt } from '../workspace/git.ts';
import { runtimeFileChanges } from './runtime-files.ts';

/** Larger than any real lockfile we have seen (big monorepos: ~20 MiB), small enough to parse in seconds. */
export const MAX_LOCKFILE_BYTES = 32 * 1024 ** 2;
const PARSE_DEADLINE_MS = 60_000;
/** A manifest is a page or two; a bigger one is not read (its lockfile's changes just go unmarked). */
const MAX_MANIFEST_BYTES = 1024 ** 2;

const workerUrl = new URL('../lockfiles/diff-worker-boot.mjs', import.meta.url);

/**
 * A worker thread that diffs lockfiles one at a time, each within the deadline (a worker that overran is
 * replaced). One per job: starting it (tsx in a fresh thread) costs about half a second.
 */
export class LockfileDiffer {
  private worker: Worker | null = null;

  constructor(private readonly deadlineMs = PARSE_DEADLINE_MS) {}

  diff(request: DiffRequest): Promise<Change[]> {
    const worker = (this.worker ??= new Worker(workerUrl));
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      const timer = setTimeout(() => {
        done();
        void this.close();
        reject(new Error(`not read within ${this.deadlineMs / 1000} s: too large or too complex to be a lockfile`));
      }, this.deadlineMs);
      const onMessage = (m: { ok: true; changes: Change[] } | { ok: false; message: string }) => {
        done();
        if (m.ok) resolve(m.changes);
        else reject(new Error(m.message));
      };
      const onError = (err: Error) => {
        done();
        this.worker = null;
        reject(err);
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}

export async function lockfileChanges(
  repoDir: string, baseSha: string, headSha: string, prText?: { title?: string; body?: string },
): Promise<{ changes: Change[]; notes: string[] }> {
  const changes: Change[] = [];
  const notes: string[] = [];
  if (baseSha === headSha) return { changes, notes };
  const differ = new LockfileDiffer();
  try {
    for (const file of (await changedFiles(repoDir, baseSha, headSha)).filter(isLockfilePath)) {
      const before = await readFileAt(repoDir, baseSha, file);
      const after = await readFileAt(repoDir, headSha, file);
      const largest = Math.max(Buffer.byteLength(before ?? ''), Buffer.byteLength(after ?? ''));
      if (largest > MAX_LOCKFILE_BYTES) {
        notes.push(`Did not read ${file}: ${(largest / 1024 ** 2).toFixed(1)} MiB is over the ${MAX_LOCKFILE_BYTES / 1024 ** 2} MiB a lockfile may have; its changes are not listed.`);
        continue;
      }
      // The manifest beside it says what the project lists itself, for dev and direct marks (size-capped like a lockfile).
      const manifest = manifestPathFor(file);
      const readManifest = async (sha: string) => {
        const text = manifest ? await readFileAt(repoDir, sha, manifest) : null;
        return text !== null && Buffer.byteLength(text) <= MAX_MANIFEST_BYTES ? text : null;
      };
      const manifests = manifest ? { before: await readManifest(baseSha), after: await readManifest(headSha) } : undefined;
      try {
        changes.push(...(await differ.diff({ file, before, after, ...(manifests ? { manifests } : {}) })));
      } catch (err) {
        notes.push(`Could not read ${file}: ${(err as Error).message}`);
      }
    }
  } finally {
    await differ.close();
  }
  // The runtime is what the server runs on, and the project chose it.
  changes.push(...(await runtimeFileChanges(repoDir, baseSha, headSha)).map((c): Change => ({ ...c, scope: 'runtime', direct: true })));
  const messages = prText ? [prText] : await commitMessages(repoDir, baseSha, headSha);
  const hints = messages.flatMap((m) => parseBumpMessage(m));
  for (const disagreement of compareHints(hints, changes)) notes.push(disagreement.message);
  return { changes, notes };
}
