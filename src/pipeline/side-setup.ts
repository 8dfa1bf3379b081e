// Step: what a side needs besides its install and build — its env_file, its services, the `setup`
// commands (migrate, seed) run once against them — and, per sample, those services started again from
// the state setup left. Each failure is the user's to fix, so it says which key to look at.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnvFile } from '../config/env-file.ts';
import type { RepoConfig } from '../config/schema.ts';
import type { ProgressFn } from '../model.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { MissingServiceBinaryError, ServiceStartError, SideServices } from '../services/index.ts';
import { tailLines } from '../workspace/install.ts';
import { UserFacingError } from './errors.ts';

/** The side as the steps here need it (a PreparedSide, or one being prepared). */
export interface SideContext {
  label: string;
  sha: string;
  worktree: string;
  projectDir: string;
  sandbox: Sandbox;
  readOnly: string[];
  services: SideServices | null;
}

const at = (side: Pick<SideContext, 'label' | 'sha'>) => `${side.label} (${side.sha.slice(0, 7)})`;

/** The env_file's values at this side's commit ({} without one). */
export async function readEnvFile(side: Pick<SideContext, 'label' | 'sha' | 'worktree' | 'projectDir'>, config: RepoConfig): Promise<Record<string, string>> {
  if (config.env_file === undefined) return {};
  const file = path.resolve(side.projectDir, config.env_file);
  if (!file.startsWith(`${side.worktree}${path.sep}`)) throw new UserFacingError(`env_file: "${config.env_file}" points outside the repository`);
  if (!existsSync(file)) {
    throw new UserFacingError(`env_file: ${config.env_file} does not exist in ${at(side)}; commit it, or fix the path (relative to \`cwd\`)`);
  }
  const { values, problems } = parseEnvFile(await readFile(file, 'utf8'));
  if (problems.length > 0) {
    throw new UserFacingError(`env_file: ${config.env_file} line ${problems[0].line}: ${problems[0].message} (${at(side)})`);
  }
  return values;
}

/** The side's services with ports and data dirs (none running), or null when the config has none. */
export async function openSideServices(
  side: Pick<SideContext, 'label' | 'sandbox' | 'worktree' | 'projectDir'>, config: RepoConfig, dir: string, cpus?: string,
): Promise<SideServices | null> {
  if (Object.keys(config.services).length === 0) return null;
  try {
    return await SideServices.create({
      label: side.label, services: config.services, dir, sandbox: side.sandbox, projectDir: side.projectDir, projectPaths: [side.worktree], cpus,
    });
  } catch (err) {
    if (err instanceof MissingServiceBinaryError) throw new UserFacingError(err.message);
    throw err;
  }
}

/** A service that would not start, or whose own setup failed, as the user sees it. */
export function serviceFailure(side: Pick<SideContext, 'label' | 'sha'>, err: unknown): never {
  if (err instanceof ServiceStartError) {
    const key = err.service ? `\`services.${err.service}\`` : '`services`';
    const what = err.message.startsWith(`${side.label} `) ? `service ${err.message.slice(side.label.length + 1)}` : err.message;
    throw new UserFacingError(`${at(side)}: ${what}. Check ${key} in the config.`, err.output);
  }
  throw err;
}

/** One of the repository's commands run against the side's services (setup, a reset): in the job's network. */
async function runAgainstServices(
  side: SideContext, command: string, env: Record<string, string>, deadlineMs: number, what: string, signal?: AbortSignal,
): Promise<void> {
  const result = await side.sandbox.run({
    command, cwd: side.projectDir, env, phase: 'serve', writable: [side.worktree], readOnly: side.readOnly, deadlineMs, signal,
  });
  if (result.code !== 0) {
    const how = result.timedOut ? 'did not finish within its deadline (`timeouts.setup`) and was killed' : `exited with ${result.code}`;
    throw new UserFacingError(`${at(side)}: ${what} failed (\`${command}\` ${how}).`, tailLines(result.output));
  }
}

/**
 * Once per side, after install and build: services initialised and started, `setup` run against them,
 * their state kept as the template every sample starts from. Without services, setup still runs (an app
 * that seeds a SQLite file in its tree).
 */
export async function setUpSide(
  side: SideContext, config: RepoConfig, env: Record<string, string>, opts: { onProgress?: ProgressFn; signal?: AbortSignal },
): Promise<void> {
  const setup = async () => {
    for (const command of config.setup) {
      opts.signal?.throwIfAborted();
      opts.onProgress?.({ phase: 'install', message: `${side.label}: setup: ${command}` });
      await runAgainstServices(side, command, env, config.timeouts.setup, 'setup', opts.signal);
    }
  };
  if (!side.services) return setup();
  try {
    await side.services.prepare(setup, (message) => opts.onProgress?.({ phase: 'install', message }));
  } catch (err) {
    serviceFailure(side, err);
  }
}

/** Before a sample: the side's services from their template, and any configured reset commands. */
export async function startServicesForSample(side: SideContext, env: Record<string, string>, config: RepoConfig): Promise<void> {
  if (!side.services) return;
  try {
    await side.services.startForSample();
  } catch (err) {
    serviceFailure(side, err);
  }
  for (const command of side.services.resetCommands) await runAgainstServices(side, command, env, config.timeouts.setup, 'a service reset');
}
