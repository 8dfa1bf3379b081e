// Step: one side of a compare ready to measure — a worktree at the commit, dependencies installed
// (from the cache when the same install was done before), and the build run.
import path from 'node:path';
import type { RepoConfig } from '../config/schema.ts';
import type { ProgressFn } from '../model.ts';
import { addWorktree } from '../workspace/git.ts';
import { InstallError, installWithCache, planInstall, runShell, tailLines, type InstallOutcome } from '../workspace/install.ts';
import { childEnvFor } from './child-env.ts';
import { UserFacingError } from './errors.ts';

export interface PreparedSide {
  label: string;
  sha: string;
  worktree: string;
  /** The worktree plus config.cwd: where install, build and start run. */
  projectDir: string;
  install: InstallOutcome;
  env: Record<string, string>;
}

export async function prepareSide(opts: {
  label: string;
  repoDir: string;
  sha: string;
  worktreeDir: string;
  cacheDir: string;
  config: RepoConfig;
  extraEnv?: Record<string, string>;
  /**
   * Runs after checkout and before install, e.g. to pin versions during a bisect. What it returns joins
   * the install: extra environment (e.g. PIP_CONSTRAINT) and, when the project's own install would refuse
   * the edited tree, the install command to use instead.
   */
  beforeInstall?: (projectDir: string) => Promise<{ env?: Record<string, string>; installCommand?: string } | void>;
  installKey?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}): Promise<PreparedSide> {
  const { config, label } = opts;
  const worktree = await addWorktree(opts.repoDir, opts.sha, opts.worktreeDir);
  const projectDir = path.resolve(worktree, config.cwd);
  if (!projectDir.startsWith(worktree)) throw new UserFacingError(`cwd: "${config.cwd}" points outside the repository`);
  const adjust = (await opts.beforeInstall?.(projectDir)) ?? {};
  const extraEnv = { ...opts.extraEnv, ...adjust.env };
  const plan = planInstall(projectDir, config.install ?? adjust.installCommand);
  opts.onProgress?.({ phase: 'install', message: `${label}: installing (${plan.command})` });
  let install: InstallOutcome;
  try {
    install = await installWithCache({
      projectDir,
      plan,
      cacheDir: opts.cacheDir,
      env: childEnvFor(projectDir, config, extraEnv),
      extraKey: opts.installKey,
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof InstallError) {
      throw new UserFacingError(`${label} (${opts.sha.slice(0, 7)}): ${err.message}. Check the \`install\` command in .github/bumpbench.yml.`, err.outputTail);
    }
    throw err;
  }
  opts.onProgress?.({ phase: 'install', message: `${label}: ${install.cached ? 'install reused from cache' : `installed in ${install.seconds.toFixed(1)} s`}` });
  const env = childEnvFor(projectDir, config, extraEnv);
  if (config.build) {
    opts.onProgress?.({ phase: 'install', message: `${label}: building (${config.build})` });
    const result = await runShell(config.build, projectDir, env, opts.signal);
    if (result.code !== 0) {
      throw new UserFacingError(`${label} (${opts.sha.slice(0, 7)}): build failed (\`${config.build}\` exited with ${result.code})`, tailLines(result.output));
    }
  }
  return { label, sha: opts.sha, worktree, projectDir, install, env };
}
