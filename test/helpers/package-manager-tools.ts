// yarn 1, pnpm and yarn berry for tests, fetched from the public npm registry once into a temp folder that
// every test file (and later runs) share. A manager that cannot be fetched (offline) comes back undefined:
// the test skips, saying so.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export type ToolManager = 'yarn' | 'pnpm' | 'yarn-berry';

export const TOOLS_DIR = path.join(os.tmpdir(), 'bumpbench-test-tools');
export const TOOL_PACKAGES = { yarn: 'yarn@1.22.22', pnpm: 'pnpm@9.15.9', 'yarn-berry': '@yarnpkg/cli-dist@4.5.3' } as const satisfies Record<ToolManager, string>;

/** Where each tool's package lands under its folder, and its entry point inside that package. */
const PACKAGE_DIR: Record<ToolManager, string> = { yarn: 'node_modules/yarn', pnpm: 'node_modules/pnpm', 'yarn-berry': 'node_modules/@yarnpkg/cli-dist' };
const BIN: Record<ToolManager, string> = { yarn: 'bin/yarn.js', pnpm: 'bin/pnpm.cjs', 'yarn-berry': 'bin/yarn.js' };

export interface Tool {
  /** The script to run with `node`. */
  bin: string;
  /** The installed package (bin is inside it): copy this folder to run the tool elsewhere. */
  packageDir: string;
  /** bin relative to packageDir. */
  binInPackage: string;
}

/** The tool's package, fetched with npm on first use; undefined when npm could not fetch it. */
export async function fetchTool(manager: ToolManager): Promise<Tool | undefined> {
  const dir = path.join(TOOLS_DIR, manager);
  const packageDir = path.join(dir, PACKAGE_DIR[manager]);
  const bin = path.join(packageDir, BIN[manager]);
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    // Its own npm cache and no user config: the tests' shared cache may be busy with other suites.
    const home = path.join(TOOLS_DIR, 'home');
    mkdirSync(home, { recursive: true });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', npm_config_update_notifier: 'false' };
    const args = ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--registry=https://registry.npmjs.org', '--cache', path.join(TOOLS_DIR, 'cache'), TOOL_PACKAGES[manager]];
    for (let attempt = 0; attempt < 2 && !existsSync(bin); attempt++) {
      await exec('npm', args, { cwd: dir, env, timeout: 240_000, maxBuffer: 32 * 1024 * 1024 }).catch(() => undefined);
    }
    if (!existsSync(bin)) return undefined;
  }
  return { bin, packageDir, binInPackage: BIN[manager] };
}
