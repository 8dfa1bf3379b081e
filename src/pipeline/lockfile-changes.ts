// Step: what the bump changed, read from every lockfile the two commits differ in (monorepos have several).
// The lockfile is the truth; a lockfile we cannot read becomes a note, not a failed job.
import type { Change } from '../model.ts';
import { isLockfilePath } from '../lockfiles/detect.ts';
import { diffLockfileContents } from '../lockfiles/diff.ts';
import { changedFiles, readFileAt } from '../workspace/git.ts';

export async function lockfileChanges(repoDir: string, baseSha: string, headSha: string): Promise<{ changes: Change[]; notes: string[] }> {
  const changes: Change[] = [];
  const notes: string[] = [];
  if (baseSha === headSha) return { changes, notes };
  for (const file of (await changedFiles(repoDir, baseSha, headSha)).filter(isLockfilePath)) {
    const before = await readFileAt(repoDir, baseSha, file);
    const after = await readFileAt(repoDir, headSha, file);
    try {
      for (const change of diffLockfileContents(file, before, after)) changes.push({ ...change, lockfile: file });
    } catch (err) {
      notes.push(`Could not read ${file}: ${(err as Error).message}`);
    }
  }
  return { changes, notes };
}
