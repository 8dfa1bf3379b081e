// The environment of every process bumpbench starts for the app under test (install, build, setup,
// server). It is built from scratch, never inherited, so the App's private key, webhook secret and tokens
// cannot reach code from a pull request. On top of a minimal base come, lowest first: the repository's
// env_file, what its services export (DATABASE_URL, …), and the config's `env` with its `${...}` expanded.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { baseChildEnv } from '../bench/index.ts';
import { expandEnv, referencesIn } from '../config/interpolate.ts';
import type { RepoConfig } from '../config/schema.ts';
import { SERVICE_HOST } from '../config/service-vars.ts';

/** Where the layers of a side's environment come from. */
export interface EnvLayers {
  /** The env_file's values. */
  file?: Record<string, string>;
  /** What the side's services export. */
  services?: Record<string, string>;
  /** `${services.NAME.FIELD}` values. */
  serviceVariables?: Record<string, string>;
}

/**
 * PATH for a side: the bin dirs of its runtimes (a provisioned Node, a Python's launchers) first, so `node`
 * and `python3` are the side's runtime; only the project's own .venv/bin goes before them, because a Python
 * app's commands run inside its virtualenv without the user writing `.venv/bin/…`.
 */
function withPaths(projectDir: string, env: Record<string, string>, runtimeBins: readonly string[]): Record<string, string> {
  const out = { ...env };
  if (runtimeBins.length > 0) out.PATH = [...runtimeBins, ...(out.PATH ? [out.PATH] : [])].join(path.delimiter);
  const venvBin = path.join(projectDir, '.venv', 'bin');
  if (!existsSync(venvBin)) return out;
  return { ...out, VIRTUAL_ENV: path.join(projectDir, '.venv'), PATH: `${venvBin}${path.delimiter}${out.PATH ?? ''}` };
}

/**
 * The environment for the app's commands. With `port` (the server), `${PORT}` is known; without it, an
 * entry that needs the port is left out. Throws UnknownVariableError for a name nothing defines.
 */
export function sideEnvFor(
  projectDir: string, config: RepoConfig, extra: Record<string, string>, layers: EnvLayers, port?: number, runtimeBins: readonly string[] = [],
): Record<string, string> {
  const vars: Record<string, string> = {
    ...layers.file, ...layers.services, ...layers.serviceVariables, HOST: SERVICE_HOST, ...(port !== undefined ? { PORT: String(port) } : {}),
  };
  const expanded = expandEnv(config.env, vars, new Set(port === undefined ? ['PORT'] : []));
  return withPaths(projectDir, { ...baseChildEnv(), ...extra, ...layers.file, ...layers.services, ...expanded }, runtimeBins);
}

/**
 * The environment before a side's services and env_file are known (a bisect's pinning step): entries whose
 * `${...}` cannot be expanded yet are left out rather than passed on half-written.
 */
export function childEnvFor(
  projectDir: string, config: RepoConfig, extra: Record<string, string> = {}, runtimeBins: readonly string[] = [],
): Record<string, string> {
  const unknown = new Set(Object.values(config.env).flatMap(referencesIn).filter((name) => !Object.hasOwn(config.env, name) && name !== 'HOST'));
  const expanded = expandEnv(config.env, { HOST: SERVICE_HOST }, unknown);
  return withPaths(projectDir, { ...baseChildEnv(), ...extra, ...expanded }, runtimeBins);
}
