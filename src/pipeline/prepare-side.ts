// Step: one side of a compare ready to measure — a worktree at the commit, dependencies installed
// (from the cache when the same install was done before), and the build run. Every command of the
// repository runs in the job's sandbox, with a deadline.
import path from 'node:path';
import type { RepoConfig } from '../config/schema.ts';
import type { ProgressFn } from '../model.ts';
import type { ResolvedRuntime } from '../runtimes/index.ts';
import type { CommandResult, Sandbox } from '../sandbox/sandbox.ts';
import { addWorktree } from '../workspace/git.ts';
import { InstallError, installWithCache, planInstall, tailLines, type InstallOutcome } from '../workspace/install.ts';
import { childEnvFor } from './child-env.ts';
import { UserFacingError } from './errors.ts';
import { runtimeAccess, runtimeKey } from './side-runtimes.ts';

export interface PreparedSide {
  label: string;
  sha: string;
  worktree: string;
  /** The worktree plus config.cwd: where install, build and start run. */
  projectDir: string;
  install: InstallOutcome;
  env: Record<string, string>;
  /** Where the side's commands run; its server starts through it too. */
  sandbox: Sandbox;
  /** Read-only paths the side's commands need besides the system (its runtimes, its install cache entry). */
  readOnly: string[];
  /** The runtimes its commands run on (first on their PATH). */
  runtimes: ResolvedRuntime[];
}

/** What the sandbox refused during a failed command, said so the user knows what to allow. */
export function refusedHint(refused: readonly string[] | undefined): string {
  if (!refused || refused.length === 0) return '';
  return ` The sandbox refused connections to ${refused.join(', ')}: installs and builds reach package registries only; list a host your install needs under \`allowHosts\` in .github/bumpbench.yml.`;
}

export async function prepareSide(opts: {
  label: string;
  repoDir: string;
  sha: string;
  worktreeDir: string;
  cacheDir: string;
  config: RepoConfig;
  sandbox: Sandbox;
  /** Who the install cache belongs to (the repository): installs are never shared between repositories. */
  cacheScope: string;
  extraEnv?: Record<string, string>;
  /** The side's runtimes (side-runtimes.ts); none: whatever PATH finds. */
  runtimes?: ResolvedRuntime[];
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
  const { config, label, sandbox } = opts;
  const worktree = await addWorktree(opts.repoDir, opts.sha, opts.worktreeDir);
  const projectDir = path.resolve(worktree, config.cwd);
  if (!projectDir.startsWith(worktree)) throw new UserFacingError(`cwd: "${config.cwd}" points outside the repository`);
  await sandbox.handOver(worktree);
  const adjust = (await opts.beforeInstall?.(projectDir)) ?? {};
  const extraEnv = { ...opts.extraEnv, ...adjust.env };
  const runtimes = opts.runtimes ?? [];
  const access = runtimeAccess(runtimes);
  const envOf = () => childEnvFor(projectDir, config, extraEnv, access.bins);
  const plan = planInstall(projectDir, config.install ?? adjust.installCommand);
  opts.onProgress?.({ phase: 'install', message: `${label}: installing (${plan.command})` });
  let install: InstallOutcome;
  try {
    install = await installWithCache({
      projectDir,
      plan,
      cacheDir: opts.cacheDir,
      extraKey: `${opts.cacheScope}\0${opts.installKey ?? ''}`,
      runtimeKey: runtimeKey(runtimes),
      prepareWritable: (dir) => sandbox.handOver(dir),
      run: (command, mounts) =>
        sandbox.run({
          command, cwd: projectDir, env: envOf(), phase: 'install',
          writable: [worktree, ...mounts.writable], readOnly: [...access.mounts, ...mounts.readOnly],
          deadlineMs: config.timeouts.install, signal: opts.signal,
        }),
    });
  } catch (err) {
    if (err instanceof InstallError) {
      throw new UserFacingError(
        `${label} (${opts.sha.slice(0, 7)}): ${err.message}. Check the \`install\` command in .github/bumpbench.yml.${refusedHint(err.refusedHosts)}`,
        err.outputTail,
      );
    }
    throw err;
  }
  opts.onProgress?.({ phase: 'install', message: `${label}: ${install.cached ? 'install reused from cache' : `installed in ${install.seconds.toFixed(1)} s`}` });
  // After the install: a Python project's .venv now exists and goes first on PATH.
  const env = envOf();
  const readOnly = [...access.mounts, ...(install.entry ? [install.entry] : [])];
  if (config.build) {
    opts.onProgress?.({ phase: 'install', message: `${label}: building (${config.build})` });
    const result: CommandResult = await sandbox.run({
      command: config.build, cwd: projectDir, env, phase: 'build', writable: [worktree], readOnly,
      deadlineMs: config.timeouts.build, signal: opts.signal,
    });
    if (result.code !== 0) {
      const how = result.timedOut ? 'did not finish within its deadline (`timeouts.build`) and was killed' : `exited with ${result.code}`;
      throw new UserFacingError(`${label} (${opts.sha.slice(0, 7)}): build failed (\`${config.build}\` ${how}).${refusedHint(result.refusedHosts)}`, tailLines(result.output));
    }
  }
  return { label, sha: opts.sha, worktree, projectDir, install, env, sandbox, readOnly, runtimes };
}
