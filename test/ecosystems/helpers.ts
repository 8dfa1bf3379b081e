// Shared by the ecosystem tests: isolated environments for pip and npm, and running commands.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * An environment that ignores this machine's pip and npm configuration (user config files, find-links,
 * registries): only what a test sets counts. HOME is a fresh folder.
 */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  mkdirSync(home, { recursive: true });
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    PIP_CONFIG_FILE: os.devNull,
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    npm_config_cache: path.join(os.tmpdir(), 'bumpbench-test-npm-cache'),
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

export async function run(command: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs = 180_000): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}
