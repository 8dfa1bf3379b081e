// Step: one side of a compare ready to measure — a worktree at the commit, its services given ports,
// dependencies installed (from the cache when the same install was done before), the build run, and the
// services set up (setup commands run, their state kept as every sample's starting point). Every command
// of the repository runs in the job's sandbox, with a deadline.
import path from 'node:path';
import { UnknownVariableError } from '../config/interpolate.ts';
import { CONFIG_PATH } from '../config/load.ts';
import type { RepoConfig } from '../config/schema.ts';
import type { ProgressFn } from '../model.ts';
import type { ResolvedRuntime } from '../runtimes/index.ts';
import type { CommandResult, Sandbox } from '../sandbox/sandbox.ts';
import type { SideServices } from '../services/index.ts';
import { addWorktree } from '../workspace/git.ts';
import { InstallError, installWithCache, planInstall, tailLines, type InstallOutcome } from '../workspace/install.ts';
import { sideEnvFor, type EnvLayers } from './child-env.ts';
import { UserFacingError } from './errors.ts';
import { runtimeAccess, runtimeKey } from './side-runtimes.ts';
import { openSideServices, readEnvFile, setUpSide } from './side-setup.ts';

export interface PreparedSide {
  label: string;
  /** The config file messages name: the `--config` path, or `.github/bumpbench.yml`. */
  configName: string;
  sha: string;
  worktree: string;
  /** The worktree plus config.cwd: where install, build and start run. */
  projectDir: string;
  install: InstallOutcome;
  /** The environment of the side's commands (install, build, setup): no PORT. */
  env: Record<string, string>;
  /** The server's environment on a port (`${PORT}` in env expanded). */
  serverEnv(port: number): Record<string, string>;
  /** Where the side's commands run; its server starts through it too. */
  sandbox: Sandbox;
  /** Read-only paths the side's commands need besides the system (its runtimes, its install cache entry). */
  readOnly: string[];
  /** The runtimes its commands run on (first on their PATH). */
  runtimes: ResolvedRuntime[];
  /** Its databases and caches, set up and stopped; each sample starts them afresh. Null: none configured. */
  services: SideServices | null;
}

/** The end of a side: its services stopped and their data removed (its worktree goes with the job dir). */
export async function releaseSide(side: Pick<PreparedSide, 'services'> | undefined): Promise<void> {
  await side?.services?.dispose();
}

/** What the sandbox refused during a failed command, said so the user knows what to allow. */
export function refusedHint(refused: readonly string[] | undefined, configName: string = CONFIG_PATH): string {
  if (!refused || refused.length === 0) return '';
  return ` The sandbox refused connections to ${refused.join(', ')}: installs and builds reach package registries only; list a host your install needs under \`allowHosts\` in ${configName}.`;
}

export interface PrepareSideOptions {
  label: string;
  repoDir: string;
  sha: string;
  worktreeDir: string;
  cacheDir: string;
  config: RepoConfig;
  /** The config file messages name (default `.github/bumpbench.yml`). */
  configName?: string;
  sandbox: Sandbox;
  /** Who the install cache belongs to (the repository): installs are never shared between repositories. */
  cacheScope: string;
  extraEnv?: Record<string, string>;
  /** The side's runtimes (side-runtimes.ts); none: whatever PATH finds. */
  runtimes?: ResolvedRuntime[];
  /**
   * Runs after checkout and before install, e.g. to pin versions during a bisect. What it returns joins
   * the install: extra environment (e.g. PIP_CONSTRAINT) and, when the project's own install would refuse
   * the edited tree, the install command to use instead (it wins over the configured one).
   */
  beforeInstall?: (projectDir: string) => Promise<{ env?: Record<string, string>; installCommand?: string } | void>;
  installKey?: string;
  /** CPUs of the servers; the side's services run there too. */
  serverCpus?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

/**
 * Several sides at once (base and head). An install or build is mostly one process (npm, pip, a native
 * addon's compiler), so on a cold cache two sides take about the time of the slower one, not the sum (the
 * Fastify RealWorld example compiles bcrypt and sqlite3 on each side: 61 s and 63 s one after the other).
 * The first side to fail stops the others, whose prepared parts are released, and its error is the one
 * thrown. Same-key installs (an A/A compare) do not race: installWithCache runs one and the other reuses it.
 */
export async function prepareSides(each: readonly PrepareSideOptions[]): Promise<PreparedSide[]> {
  const outer = each.find((o) => o.signal)?.signal;
  outer?.throwIfAborted();
  const stop = new AbortController();
  const forward = () => stop.abort(outer!.reason);
  outer?.addEventListener('abort', forward, { once: true });
  try {
    const settled = await Promise.allSettled(
      each.map((o) =>
        prepareSide({ ...o, signal: stop.signal }).catch((err: unknown) => {
          if (!stop.signal.aborted) stop.abort(err);
          throw err;
        }),
      ),
    );
    const prepared = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (prepared.length === each.length) return prepared;
    for (const side of prepared) await releaseSide(side);
    outer?.throwIfAborted();
    // The reason the others were stopped: the first side's own failure, not the abort the others got.
    throw stop.signal.reason;
  } finally {
    outer?.removeEventListener('abort', forward);
  }
}

export async function prepareSide(opts: PrepareSideOptions): Promise<PreparedSide> {
  const { config, label, sandbox } = opts;
  const worktree = await addWorktree(opts.repoDir, opts.sha, opts.worktreeDir);
  const projectDir = path.resolve(worktree, config.cwd);
  if (!projectDir.startsWith(worktree)) throw new UserFacingError(`cwd: "${config.cwd}" points outside the repository`);
  await sandbox.handOver(worktree);
  const configName = opts.configName ?? CONFIG_PATH;
  const side = { label, configName, sha: opts.sha, worktree, projectDir, sandbox };
  const runtimes = opts.runtimes ?? [];
  const access = runtimeAccess(runtimes);
  // Before anything long: a missing database server or env_file fails the job in seconds, not after the install.
  const file = await readEnvFile(side, config);
  const services = await openSideServices(side, config, `${opts.worktreeDir}-services`, opts.serverCpus);
  try {
    const adjust = (await opts.beforeInstall?.(projectDir)) ?? {};
    const extraEnv = { ...access.env, ...opts.extraEnv, ...adjust.env };
    const layers: EnvLayers = { file, services: services?.exports, serviceVariables: services?.variables };
    // Computed at each use: after the install a Python project's .venv exists and goes first on PATH.
    const envAt = (port?: number) => {
      try {
        return sideEnvFor(projectDir, config, extraEnv, layers, port, access.bins);
      } catch (err) {
        if (err instanceof UnknownVariableError) throw new UserFacingError(`${err.message} (${label} ${opts.sha.slice(0, 7)})`);
        throw err;
      }
    };
    const install = await installSide({
      ...opts, worktree, projectDir, env: envAt(), installCommand: adjust.installCommand ?? config.install.command,
      runtimeKey: runtimeKey(runtimes), runtimeMounts: access.mounts,
    });
    const env = envAt();
    const readOnly = [...access.mounts, ...(install.entry ? [install.entry] : [])];
    if (config.build) {
      opts.onProgress?.({ phase: 'install', message: `${label}: building (${config.build})` });
      const result: CommandResult = await sandbox.run({
        command: config.build, cwd: projectDir, env, phase: 'build', writable: [worktree], readOnly,
        deadlineMs: config.timeouts.build, signal: opts.signal,
      });
      if (result.code !== 0) {
        const how = result.timedOut ? 'did not finish within its deadline (`timeouts.build`) and was killed' : `exited with ${result.code}`;
        throw new UserFacingError(`${label} (${opts.sha.slice(0, 7)}): build failed (\`${config.build}\` ${how}).${refusedHint(result.refusedHosts, configName)}`, tailLines(result.output));
      }
    }
    envAt(0); // an unknown variable in an entry only the server uses fails now, not at the first sample
    const prepared: PreparedSide = { ...side, install, env, serverEnv: (port) => envAt(port), readOnly, runtimes, services };
    await setUpSide(prepared, config, env, { onProgress: opts.onProgress, signal: opts.signal });
    return prepared;
  } catch (err) {
    await services?.dispose();
    throw err;
  }
}

/** The install step of a side, its failure said in the user's terms (the script that failed, the host refused). */
async function installSide(opts: {
  label: string; sha: string; worktree: string; projectDir: string; env: Record<string, string>; installCommand?: string; configName?: string;
  cacheDir: string; cacheScope: string; installKey?: string; config: RepoConfig; sandbox: Sandbox; onProgress?: ProgressFn; signal?: AbortSignal;
  /** The side's exact runtimes, part of the cache key; and their dirs, mounted read-only. */
  runtimeKey: string; runtimeMounts: string[];
}): Promise<InstallOutcome> {
  const { config, sandbox, projectDir, label } = opts;
  const plan = planInstall(projectDir, opts.installCommand, config.install.scripts);
  const scripts = plan.kind === 'python' || plan.scripts === 'all' ? '' : `; lifecycle scripts: ${plan.scripts === 'none' ? 'none' : "the dependencies' only"}`;
  opts.onProgress?.({ phase: 'install', message: `${label}: installing (${plan.command}${scripts})` });
  let install: InstallOutcome;
  try {
    install = await installWithCache({
      projectDir,
      plan,
      cacheDir: opts.cacheDir,
      extraKey: `${opts.cacheScope}\0${opts.installKey ?? ''}`,
      runtimeKey: opts.runtimeKey,
      prepareWritable: (dir) => sandbox.handOver(dir),
      run: (command, mounts, env) =>
        sandbox.run({
          command, cwd: projectDir, env: { ...opts.env, ...env }, phase: 'install',
          writable: [opts.worktree, ...mounts.writable], readOnly: [...opts.runtimeMounts, ...mounts.readOnly],
          deadlineMs: config.timeouts.install, signal: opts.signal,
        }),
    });
  } catch (err) {
    if (err instanceof InstallError) {
      const check = err.failedScript ? '' : ` Check the \`install\` command in ${opts.configName ?? CONFIG_PATH}.`;
      throw new UserFacingError(`${label} (${opts.sha.slice(0, 7)}): ${err.message}.${check}${refusedHint(err.refusedHosts, opts.configName)}`, err.outputTail);
    }
    throw err;
  }
  opts.onProgress?.({ phase: 'install', message: `${label}: ${install.cached ? 'install reused from cache' : `installed in ${install.seconds.toFixed(1)} s`}` });
  return install;
}
