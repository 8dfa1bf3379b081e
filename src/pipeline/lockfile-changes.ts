// Step: what the bump changed, read from every lockfile the two commits differ in (monorepos have several),
// and from every file that pins a runtime (.nvmrc, .python-version, engines, Dockerfile FROM, …): a runtime
// bump is a change like a package bump. The lockfile is the truth; the bump's own words (commit messages, or the PR's title and body) are only
// hints, and where they disagree with the lockfile the report says so. A lockfile we cannot read
// becomes a note, not a failed job.
import type { Change } from '../model.ts';
import { compareHints, diffLockfileContents, isLockfilePath, parseBumpMessage } from '../lockfiles/index.ts';
import { changedFiles, commitMessages, readFileAt } from '../workspace/git.ts';
import { runtimeFileChanges } from './runtime-files.ts';

export async function lockfileChanges(
  repoDir: string, baseSha: string, headSha: string, prText?: { title?: string; body?: string },
): Promise<{ changes: Change[]; notes: string[] }> {
  const changes: Change[] = [];
  const notes: string[] = [];
  if (baseSha === headSha) return { changes, notes };
  for (const file of (await changedFiles(repoDir, baseSha, headSha)).filter(isLockfilePath)) {
    const before = await readFileAt(repoDir, baseSha, file);
    const after = await readFileAt(repoDir, headSha, file);
    try {
      changes.push(...diffLockfileContents(file, before, after));
    } catch (err) {
      notes.push(`Could not read ${file}: ${(err as Error).message}`);
    }
  }
  changes.push(...(await runtimeFileChanges(repoDir, baseSha, headSha)));
  const messages = prText ? [prText] : await commitMessages(repoDir, baseSha, headSha);
  const hints = messages.flatMap((m) => parseBumpMessage(m));
  for (const disagreement of compareHints(hints, changes)) notes.push(disagreement.message);
  return { changes, notes };
}
