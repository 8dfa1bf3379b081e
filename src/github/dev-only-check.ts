// Whether an automatic run of a pull request would only measure a dev-dependency bump, decided in the
// webhook handler so that no job is queued for it: the PR's changed files from the files list, the changed
// lockfiles and the manifests beside them from the contents API (raw, at the base and head SHAs), diffed in
// the lockfile worker thread (hostile input stays off the App's event loop). It must answer within a
// deadline, as webhook handlers must return quickly; what cannot be decided in time runs as usual.
import { devOnlyBump, isLockfilePath, isManifestPath, manifestPathFor, otherFilesProblem, type DevOnlyVerdict } from '../lockfiles/index.ts';
import type { Change } from '../model.ts';
import { LockfileDiffer, MAX_LOCKFILE_BYTES } from '../pipeline/lockfile-changes.ts';
import { httpStatus, type Octokit, type RepoRef } from './octokit.ts';

/** A file of the PR, as the files list gives it. */
export interface PrFile {
  filename: string;
  status?: string;
  previous_filename?: string;
}

export interface DevOnlyCheck {
  verdict: DevOnlyVerdict;
  changes: Change[];
}

/** Longest the handler waits for the decision: it must answer GitHub well within 10 s. */
export const DEV_ONLY_DEADLINE_MS = 5_000;

/** A file's text at a commit, or null when it is not there or too large to be a lockfile. */
async function rawAt(octokit: Octokit, where: RepoRef, path: string, ref: string): Promise<string | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...where, path, ref, mediaType: { format: 'raw' } });
    // Octokit hands raw content over as text when GitHub says charset=utf-8, else as bytes.
    const raw: unknown = data;
    const text = typeof raw === 'string' ? raw : raw instanceof ArrayBuffer || ArrayBuffer.isView(raw) ? Buffer.from(raw as ArrayBuffer).toString('utf8') : null;
    if (text === null) throw new Error(`${path} at ${ref.slice(0, 7)} did not come back as text`);
    if (text !== null && Buffer.byteLength(text) > MAX_LOCKFILE_BYTES) throw new Error(`${path} is over ${MAX_LOCKFILE_BYTES / 1024 ** 2} MiB`);
    return text;
  } catch (err) {
    if (httpStatus(err) === 404) return null;
    throw err;
  }
}

async function decide(octokit: Octokit, where: RepoRef, shas: { base: string; head: string }, files: readonly PrFile[]): Promise<DevOnlyCheck> {
  const changed = [...new Set(files.flatMap((f) => [f.filename, ...(f.previous_filename ? [f.previous_filename] : [])]))];
  // Files of another kind settle it without reading anything.
  const others = otherFilesProblem(changed);
  if (others !== null) return { verdict: { devOnly: false, why: others }, changes: [] };
  const cache = new Map<string, Promise<string | null>>();
  const read = (path: string, ref: string) => {
    const key = `${ref}:${path}`;
    if (!cache.has(key)) cache.set(key, rawAt(octokit, where, path, ref));
    return cache.get(key)!;
  };
  // An unchanged manifest is the same on both sides: read once, at the base.
  const sides = async (path: string) => ({
    path,
    before: await read(path, shas.base),
    after: changed.includes(path) ? await read(path, shas.head) : await read(path, shas.base),
  });
  const differ = new LockfileDiffer();
  const changes: Change[] = [];
  try {
    for (const file of changed.filter(isLockfilePath)) {
      const manifest = manifestPathFor(file);
      const [lock, manifests] = await Promise.all([sides(file), manifest ? sides(manifest) : Promise.resolve(null)]);
      changes.push(...(await differ.diff({ file, before: lock.before, after: lock.after, ...(manifests ? { manifests: { before: manifests.before, after: manifests.after } } : {}) })));
    }
  } finally {
    await differ.close();
  }
  const manifests = await Promise.all(changed.filter(isManifestPath).map(sides));
  return { verdict: devOnlyBump(changes, { changed, manifests }), changes };
}

/**
 * The decision, or null when it could not be made within the deadline (or the API or a lockfile failed):
 * then the PR runs as usual, since a skip must be certain.
 */
export async function devOnlyPullRequest(
  octokit: Octokit, where: RepoRef, shas: { base: string; head: string }, files: readonly PrFile[], deadlineMs = DEV_ONLY_DEADLINE_MS,
): Promise<DevOnlyCheck | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<{ error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ error: `not decided within ${deadlineMs / 1000} s` }), deadlineMs);
  });
  try {
    return await Promise.race([decide(octokit, where, shas, files).catch((err: unknown) => ({ error: (err as Error).message })), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
