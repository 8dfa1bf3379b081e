// The one git wrapper: resolve a repo (local path or clone URL) into a local repository, resolve refs,
// read files at a commit, and make/remove detached worktrees. Every worktree made here is removed at
// process exit too, so an interrupted compare leaves none behind.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { keyedQueue } from './one-at-a-time.ts';

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
 * Credentials for one fetch. The token reaches git only through the environment of the git process
 * (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_0`/`GIT_CONFIG_VALUE_0`: an `http.<origin>/.extraheader` scoped to
 * the clone URL's origin), never its argv (readable by every user in /proc/PID/cmdline) and never the
 * mirror's config (readable by whatever later reads the mirror).
 */
export interface GitAuth {
  token: string;
}

/** The environment of an authenticated git call: just enough to run git, plus the auth header. */
export function authenticatedGitEnv(url: string, auth: GitAuth, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const origin = new URL(url).origin;
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) if (base[name] !== undefined) env[name] = base[name]!;
  const basic = Buffer.from(`x-access-token:${auth.token}`).toString('base64');
  return {
    ...env,
    // A wrong or expired token must fail the fetch, not wait for a password on a terminal nobody watches.
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${origin}/.extraheader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

/** How long a clone or fetch may take before it is killed: BUMPBENCH_GIT_TIMEOUT (e.g. "10m"), default 10 minutes. */
export function gitTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.BUMPBENCH_GIT_TIMEOUT;
  const match = value ? /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim()) : null;
  if (!match) return 10 * 60_000;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

/** A silent git (no progress for this long) is as good as hung: simple-git kills it. */
const GIT_SILENCE_MS = 120_000;

/**
 * One fetch into a mirror at a time in this process: a compare and a soak of the same repository (two
 * lanes) would otherwise race for the mirror's ref locks.
 */
const withMirrorLock = keyedQueue();

export interface OpenRepoOptions {
  /** Cancels the clone or fetch (the job was cancelled). */
  signal?: AbortSignal;
  /** Kill a clone or fetch that takes longer (default gitTimeoutMs()). */
  timeoutMs?: number;
}

/**
 * A local git directory for `repo`. A local path is used in place; a URL is cloned once into the cache
 * (a bare mirror) and fetched on later calls, within a deadline. `auth` is given to that git call only, in
 * its environment.
 */
export async function openRepo(repo: string, cacheDir: string, auth?: GitAuth, options: OpenRepoOptions = {}): Promise<string> {
  if (!isRemote(repo)) {
    const dir = path.resolve(repo);
    if (!existsSync(dir)) throw new GitError(`repository ${dir} does not exist`);
    const git = simpleGit(dir);
    if (!(await git.checkIsRepo())) throw new GitError(`${dir} is not a git repository`);
    return (await git.revparse(['--show-toplevel'])).trim();
  }
  if (auth && !/^https?:\/\//i.test(repo)) throw new GitError(`cannot fetch ${repo} with a token: only http(s) clone URLs take one`);
  const key = createHash('sha256').update(repo).digest('hex').slice(0, 16);
  const mirror = path.join(cacheDir, 'repos', `${key}.git`);
  const timeoutMs = options.timeoutMs ?? gitTimeoutMs();
  const deadline = AbortSignal.timeout(timeoutMs);
  const abort = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  // simple-git refuses GIT_CONFIG_COUNT unless told: here it is exactly what we mean to set.
  const remoteGit = (dir?: string) => {
    const git = simpleGit({
      ...(dir ? { baseDir: dir } : {}),
      abort,
      timeout: { block: GIT_SILENCE_MS },
      ...(auth ? { unsafe: { allowUnsafeConfigEnvCount: true } } : {}),
    });
    return auth ? git.env(authenticatedGitEnv(repo, auth)) : git;
  };
  try {
    await withMirrorLock(mirror, async () => {
      if (!existsSync(mirror)) {
        await mkdir(path.dirname(mirror), { recursive: true });
        // A clone stopped half-way would leave a mirror that later fetches trip over.
        await remoteGit().clone(repo, mirror, ['--bare', '--quiet']).catch(async (err: unknown) => {
          await rm(mirror, { recursive: true, force: true });
          throw err;
        });
      }
      await remoteGit(mirror).fetch([repo, '+refs/heads/*:refs/heads/*', '+refs/pull/*:refs/pull/*', '--prune', '--quiet']);
    });
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason ?? err;
    const message = deadline.aborted
      ? `it did not finish within ${Math.round(timeoutMs / 1000)} s (BUMPBENCH_GIT_TIMEOUT) and was stopped`
      : String((err as Error).message);
    throw new GitError(`cannot fetch ${repo}: ${auth ? message.split(auth.token).join('***') : message}`);
  }
  return mirror;
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

/** Names of the entries directly in `dir` (relative to the repo root; "" for the root) at a commit; [] when it is not there. */
export async function filesInDirAt(repoDir: string, sha: string, dir: string): Promise<string[]> {
  const clean = dir.replace(/^\.\/?/, '').replace(/\/$/, '');
  try {
    const out = await simpleGit(repoDir).raw(['ls-tree', '--name-only', clean ? `${sha}:${clean}` : sha]);
    return out.split('\n').filter(Boolean);
  } catch {
    return [];
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
  // One `worktree add` at a time per repository: both sides of a job are prepared at once, and git keeps
  // every worktree's admin files under the one repository.
  await oneWorktreeAdd(repoDir, () => simpleGit(repoDir).raw(['worktree', 'add', '--detach', '--force', dir, sha]));
  return dir;
}

const oneWorktreeAdd = keyedQueue();

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
