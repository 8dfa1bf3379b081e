// Which config a job runs with: an explicit one (the App's, read from the base branch), a `--config` file,
// or `.github/bumpbench.yml` at the BASE commit. Never the head's: a PR must not set its own thresholds.
import type { RepoConfig } from '../config/schema.ts';
import { CONFIG_PATH, ConfigError, loadConfigFile, parseConfigText } from '../config/load.ts';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { JobRequest } from '../model.ts';
import type { ProgressFn } from '../model.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { diskBudgetFromEnv, DiskFullError, enforceDiskBudget, touchCacheEntry } from '../workspace/disk-budget.ts';
import { openRepo, readFileAt, removeWorktree, resolveRef } from '../workspace/git.ts';
import { claimJobDir } from '../workspace/stale-work.ts';
import { UserFacingError } from './errors.ts';
import { openJobSandbox, type SandboxRequirement } from './job-sandbox.ts';

export async function loadJobConfig(
  repoDir: string, baseSha: string, request: JobRequest, given?: RepoConfig,
): Promise<{ config: RepoConfig; source: string; name: string }> {
  // The App's config is the base branch's .github/bumpbench.yml, handed over already read.
  if (given) return { config: given, source: 'the caller', name: request.options?.configFile ?? CONFIG_PATH };
  if (request.options?.configFile) {
    return { config: await loadConfigFile(request.options.configFile), source: request.options.configFile, name: request.options.configFile };
  }
  const text = await readFileAt(repoDir, baseSha, CONFIG_PATH);
  if (text === null) {
    throw new ConfigError(CONFIG_PATH, [
      `(file): not found at the base commit ${baseSha.slice(0, 7)}; add ${CONFIG_PATH} to the base branch (see docs/configuration.md) or pass --config FILE`,
    ]);
  }
  return { config: parseConfigText(text, `${CONFIG_PATH} at ${baseSha.slice(0, 7)}`), source: `${CONFIG_PATH} at base ${baseSha.slice(0, 7)}`, name: CONFIG_PATH };
}

export interface OpenedJob {
  repoDir: string;
  baseSha: string;
  headSha: string;
  config: RepoConfig;
  configSource: string;
  /** The file messages send the user to: the `--config` path, or `.github/bumpbench.yml`. */
  configName: string;
  /** Shared across jobs: repo mirrors and installs. */
  cacheDir: string;
  /** This job's own scratch space (worktrees); removed when the job ends. */
  jobDir: string;
  /** Where every command from the repository runs (install, build, server). Closed by removeJobDir. */
  sandbox: Sandbox;
}

/** The first steps of every job: the repository, the two commits, and the config from the base. */
export async function openJob(
  request: JobRequest,
  options: {
    dataDir: string;
    /** A token for fetching an http(s) `request.repo`; git gets it in its environment, never argv. */
    gitToken?: string;
    config?: RepoConfig;
    /** Default 'preferred': sandboxed where bubblewrap works, plainly (with a warning) elsewhere. */
    sandbox?: SandboxRequirement;
    allowHosts?: readonly string[];
    onProgress?: ProgressFn;
    /** Cancels the fetch too (a job cancelled while git runs). */
    signal?: AbortSignal;
  },
): Promise<OpenedJob> {
  const cacheDir = path.join(options.dataDir, 'cache');
  const jobDir = path.join(options.dataDir, 'work', randomUUID().slice(0, 8));
  await makeRoom(options.dataDir, options.onProgress);
  // Named as this process's, so that the next process removes it should this one be killed outright.
  await claimJobDir(jobDir);
  const repoDir = await openRepo(request.repo, cacheDir, options.gitToken ? { token: options.gitToken } : undefined, { signal: options.signal });
  if (repoDir.startsWith(path.join(cacheDir, 'repos'))) await touchCacheEntry(repoDir);
  const baseSha = request.base.sha ?? (await resolveRef(repoDir, request.base.ref));
  const headSha = request.head.sha ?? (await resolveRef(repoDir, request.head.ref));
  const { config, source, name } = await loadJobConfig(repoDir, baseSha, request, options.config);
  const sandbox = await openJobSandbox({
    jobDir, repoDir, config, requirement: options.sandbox ?? 'preferred', allowHosts: options.allowHosts, onProgress: options.onProgress,
  });
  sandbox.endOnAbort(options.signal);
  return { repoDir, baseSha, headSha, config, configSource: source, configName: name, cacheDir, jobDir, sandbox };
}

/** Caches under their budget (least recently used first), and enough free disk for a job, or it does not start. */
async function makeRoom(dataDir: string, onProgress?: ProgressFn): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  try {
    const { evicted, freedBytes } = await enforceDiskBudget(dataDir, diskBudgetFromEnv());
    if (evicted.length > 0) {
      onProgress?.({ phase: 'prepare', message: `disk budget: removed ${evicted.length} least recently used cache entries (${(freedBytes / 1024 ** 2).toFixed(0)} MiB)` });
    }
  } catch (err) {
    if (err instanceof DiskFullError) throw new UserFacingError(err.message);
    throw err;
  }
}

/**
 * The last step of every job, on every path: its sandbox (network, proxy), its worktrees (the given ones,
 * and base/head even when their preparation failed half-way), then its scratch dir.
 */
export async function removeJobDir(jobDir: string, worktrees: readonly string[] = [], sandbox?: Sandbox): Promise<void> {
  await sandbox?.close();
  for (const dir of new Set([...worktrees, path.join(jobDir, 'base'), path.join(jobDir, 'head')])) await removeWorktree(dir);
  await rm(jobDir, { recursive: true, force: true });
}
