// Step: is this a bump of dev dependencies only? Read from git (the files the commits differ in and the
// changed manifests on both sides) and judged by lockfiles/dev-only.ts. The CLI asks before it prepares
// anything, so a dev-only bump costs seconds; the App asks in its webhook handler, from the API.
import { devOnlyBump, isManifestPath, type DevOnlyVerdict } from '../lockfiles/index.ts';
import type { Change } from '../model.ts';
import { changedFiles, readFileAt } from '../workspace/git.ts';

export async function devOnlyFromGit(repoDir: string, baseSha: string, headSha: string, changes: readonly Change[]): Promise<DevOnlyVerdict> {
  const changed = await changedFiles(repoDir, baseSha, headSha);
  const manifests = await Promise.all(
    changed.filter(isManifestPath).map(async (path) => ({ path, before: await readFileAt(repoDir, baseSha, path), after: await readFileAt(repoDir, headSha, path) })),
  );
  return devOnlyBump(changes, { changed, manifests });
}
