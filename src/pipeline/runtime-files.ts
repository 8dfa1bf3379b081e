// Reading the files that pin runtimes at a commit, through git (before any worktree exists, so a side whose
// runtime cannot be had fails at once): the declarations a side runs by, and what a PR changed in them.
import path from 'node:path';
import type { Change } from '../model.ts';
import { diffRuntimeFile, isRuntimeFilePath, parseRuntimeFile, type RuntimeDeclaration, type RuntimeKind } from '../runtimes/index.ts';
import { changedFiles, filesInDirAt, readFileAt } from '../workspace/git.ts';

/** Files in a project dir that say it runs on a runtime, even when nothing pins which. */
const USES: Record<RuntimeKind, RegExp> = {
  node: /^package\.json$/,
  python: /^(requirements.*\.txt|pyproject\.toml|Pipfile|setup\.py|poetry\.lock|uv\.lock|.*\.py)$/,
};

/** The project dir (relative to the root) and each parent up to the root, nearest first. */
function dirChain(cwd: string): string[] {
  const chain: string[] = [];
  let dir = path.posix.normalize(cwd.replace(/\\/g, '/')).replace(/^\.\/?$/, '').replace(/\/$/, '');
  for (;;) {
    chain.push(dir);
    if (dir === '' || dir === '.') break;
    const up = path.posix.dirname(dir);
    dir = up === '.' ? '' : up;
  }
  return chain;
}

/**
 * What a side's project declares, nearest directory first (the project dir, then its parents up to the
 * root), and which runtimes its files show it uses (package.json: Node; requirements, pyproject: Python).
 */
export async function projectRuntimeFiles(
  repoDir: string, sha: string, cwd: string,
): Promise<{ declarations: RuntimeDeclaration[]; uses: Set<RuntimeKind> }> {
  const declarations: RuntimeDeclaration[] = [];
  const uses = new Set<RuntimeKind>();
  const chain = dirChain(cwd);
  for (const dir of chain) {
    const names = await filesInDirAt(repoDir, sha, dir);
    if (dir === chain[0]) {
      for (const kind of ['node', 'python'] as const) if (names.some((n) => USES[kind].test(n))) uses.add(kind);
    }
    for (const name of names.filter(isRuntimeFilePath).sort()) {
      const file = dir ? `${dir}/${name}` : name;
      const text = await readFileAt(repoDir, sha, file);
      if (text !== null) declarations.push(...parseRuntimeFile(file, text));
    }
  }
  return { declarations, uses };
}

/** Runtime pins a PR changed, in every file it touched that can pin one (monorepos have several). */
export async function runtimeFileChanges(repoDir: string, baseSha: string, headSha: string): Promise<Change[]> {
  if (baseSha === headSha) return [];
  const changes: Change[] = [];
  for (const file of (await changedFiles(repoDir, baseSha, headSha)).filter(isRuntimeFilePath)) {
    changes.push(...diffRuntimeFile(file, await readFileAt(repoDir, baseSha, file), await readFileAt(repoDir, headSha, file)));
  }
  return changes;
}
