// The environment of every process bumpbench starts for the app under test (install, build, server).
// It is built from scratch, never inherited, so the App's private key, webhook secret and tokens cannot
// reach code from a pull request.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { baseChildEnv } from '../bench/index.ts';
import type { RepoConfig } from '../config/schema.ts';

/**
 * `runtimeBins`: the bin dirs of the side's runtimes (a provisioned Node, a Python's launchers), put first on
 * PATH so `node` and `python3` are the side's runtime; only the project's own .venv/bin goes before them.
 */
export function childEnvFor(
  projectDir: string, config: RepoConfig, extra: Record<string, string> = {}, runtimeBins: readonly string[] = [],
): Record<string, string> {
  const env: Record<string, string> = { ...baseChildEnv(), ...extra, ...config.env };
  if (runtimeBins.length > 0) env.PATH = [...runtimeBins, ...(env.PATH ? [env.PATH] : [])].join(path.delimiter);
  const venvBin = path.join(projectDir, '.venv', 'bin');
  if (existsSync(venvBin)) {
    // A Python app's commands run inside its virtualenv without the user writing `.venv/bin/…`.
    env.VIRTUAL_ENV = path.join(projectDir, '.venv');
    env.PATH = `${venvBin}${path.delimiter}${env.PATH ?? ''}`;
  }
  return env;
}
