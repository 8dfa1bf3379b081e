// The one git wrapper: resolve a repo (local path or clone URL) into a local repository, resolve refs,
// read files at a commit, and make/remove detached worktrees. Every worktree made here is removed at
// process exit too, so an interrupted compare leaves none behind.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

const liveWorktrees = new Map<string, string>(); // worktree dir → repo dir

function removeLiveWorktreesSync(): void {
  for (const [dir, repoDir] of liveWorktrees) {
    try {
      execFileSync('git', ['-C', repoDir, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
    } catch {
      // Best effort at exit: fall through to deleting the directory.
    }
    try {
      execFileSync('rm', ['-rf', dir], { stdio: 'ignore' });
    } catch {
      /* nothing more we can do at exit */
    }
  }
  liveWorktrees.clear();
}
process.once('exit', removeLiveWorktreesSync);

export function isRemote(repo: string): boolean {
  return /^(https?|ssh|git|file):\/\//.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo);
}

/**
 * A local git directory for `repo`. A local path is used in place; a URL is cloned once into the cache
 * (a bare mirror) and fetched on later calls. `authUrl` (with credentials) is used only for the git call,
 * never stored in the mirror's config.
 */
export async function openRepo(repo: string, cacheDir: string, authUrl?: string): Promise<string> {
  if (!isRemote(repo)) {
    const dir = path.resolve(repo);
    if (!existsSync(dir)) throw new GitError(`repository ${dir} does not exist`);
    const git = simpleGit(dir);
    if (!(await git.checkIsRepo())) throw new GitError(`${dir} is not a git repository`);
    return (await git.revparse(['--show-toplevel'])).trim();
  }
  const key = createHash('sha256').update(repo).digest('hex').slice(0, 16);
  const mirror = path.join(cacheDir, 'repos', `${key}.git`);
  const fetchUrl = authUrl ?? repo;
  try {
    if (!existsSync(mirror)) {
      await mkdir(path.dirname(mirror), { recursive: true });
      await simpleGit().clone(fetchUrl, mirror, ['--bare', '--quiet']);
      // Keep only the public URL in the mirror's config.
      await simpleGit(mirror).remote(['set-url', 'origin', repo]);
    }
    await simpleGit(mirror).fetch([fetchUrl, '+refs/heads/*:refs/heads/*', '+refs/pull/*:refs/pull/*', '--prune', '--quiet']);
  } catch (err) {
    throw new GitError(`cannot fetch ${repo}: ${redact(String((err as Error).message), authUrl)}`);
  }
  return mirror;
}

function redact(text: string, authUrl?: string): string {
  const secret = authUrl ? /\/\/([^@/]+)@/.exec(authUrl)?.[1] : undefined;
  return secret ? text.split(secret).join('***') : text;
}

export async function resolveRef(repoDir: string, ref: string): Promise<string> {
  try {
    return (await simpleGit(repoDir).revparse([`${ref}^{commit}`])).trim();
  } catch {
    throw new GitError(`cannot resolve "${ref}" in ${repoDir}: give a branch, tag or commit that exists`);
  }
}

/** File content at a commit, or null when the file does not exist there. */
export async function readFileAt(repoDir: string, sha: string, file: string): Promise<string | null> {
  try {
    return await simpleGit(repoDir).show([`${sha}:${file.replace(/^\.\//, '')}`]);
  } catch {
    return null;
  }
}

export async function changedFiles(repoDir: string, fromSha: string, toSha: string): Promise<string[]> {
  const out = await simpleGit(repoDir).raw(['diff', '--name-only', '--no-renames', fromSha, toSha]);
  return out.split('\n').filter(Boolean);
}

/** Full messages of the commits reachable from `toSha` but not from `fromSha`, oldest first. */
export async function commitMessages(repoDir: string, fromSha: string, toSha: string): Promise<string[]> {
  const out = await simpleGit(repoDir).raw(['log', '--reverse', '--format=%B%x00', `${fromSha}..${toSha}`]);
  return out.split('\0').map((m) => m.trim()).filter(Boolean);
}

export async function addWorktree(repoDir: string, sha: string, dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  liveWorktrees.set(dir, repoDir);
  await simpleGit(repoDir).raw(['worktree', 'add', '--detach', '--force', dir, sha]);
  return dir;
}

export async function removeWorktree(dir: string): Promise<void> {
  const repoDir = liveWorktrees.get(dir);
  liveWorktrees.delete(dir);
  if (repoDir) {
    const git: SimpleGit = simpleGit(repoDir);
    await git.raw(['worktree', 'remove', '--force', dir]).catch(() => undefined);
    await git.raw(['worktree', 'prune']).catch(() => undefined);
  }
  await rm(dir, { recursive: true, force: true });
}
