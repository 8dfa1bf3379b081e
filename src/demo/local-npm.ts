// Running npm against the local registry only: a temp userconfig (so ~/.npmrc and whatever it sets,
// e.g. omit-lockfile-registry-resolved, play no part), a private cache, no lifecycle scripts, no audit,
// and none of the npm_config_* variables an enclosing `npm run` exports.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The `.npmrc` lines that send the example scope, and everything else, to the local registry. */
export function npmrcFor(registryUrl: string): string {
  const url = `${registryUrl.replace(/\/+$/, '')}/`;
  return `@bumpbench-examples:registry=${url}\nregistry=${url}\n`;
}

/** process.env without npm's script variables, which would otherwise override our flags' intent. */
export function cleanNpmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(config|package|lifecycle)_/i.test(key)) continue;
    env[key] = value;
  }
  env.NO_UPDATE_NOTIFIER = '1';
  return env;
}

export interface LocalNpm {
  /** Runs `npm <args>` in `cwd` with the isolated config; rejects with npm's stderr on failure. */
  npm(args: string[], cwd: string): Promise<string>;
  /** `npm install` (or `npm ci`) without scripts, audit or fund messages. */
  install(cwd: string, opts?: { ci?: boolean }): Promise<void>;
  /** Removes the temp userconfig and cache. */
  dispose(): Promise<void>;
}

export async function localNpm(registryUrl: string): Promise<LocalNpm> {
  const home = await mkdtemp(join(tmpdir(), 'bumpbench-npm-'));
  const userconfig = join(home, 'npmrc');
  await writeFile(userconfig, `${npmrcFor(registryUrl)}update-notifier=false\nfund=false\naudit=false\n`);
  const env = cleanNpmEnv();
  const npm = async (args: string[], cwd: string): Promise<string> => {
    try {
      const { stdout } = await run('npm', [...args, '--userconfig', userconfig, '--cache', join(home, 'cache')], {
        cwd,
        env,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const e = error as Error & { stderr?: string };
      throw new Error(`npm ${args.join(' ')} failed in ${cwd}: ${(e.stderr ?? e.message).trim()}`);
    }
  };
  return {
    npm,
    install: async (cwd, opts = {}) => {
      await npm([opts.ci ? 'ci' : 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], cwd);
    },
    dispose: () => rm(home, { recursive: true, force: true }),
  };
}
