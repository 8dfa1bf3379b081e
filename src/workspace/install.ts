// Install and build one side of a compare. Installs are cached by a hash of everything that decides
// their outcome (install command, lockfiles and manifests, runtime version), so a second compare of the
// same commits, or an A/A compare, installs once. The installed tree (node_modules, .venv) lives in the
// cache and is linked into each worktree.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class InstallError extends Error {
  constructor(
    message: string,
    readonly outputTail: string,
  ) {
    super(message);
    this.name = 'InstallError';
  }
}

/** How a project gets its dependencies: the command, the directory it fills, the files that decide it. */
export interface InstallPlan {
  kind: 'npm' | 'yarn' | 'pnpm' | 'python' | 'custom';
  command: string;
  /** Directory (relative to the project dir) that the install fills and the cache keeps. */
  installedDir: string | null;
  /** Files whose content decides the install (relative to the project dir). */
  inputs: string[];
}

const NODE_INPUTS = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', '.npmrc', '.yarnrc.yml', '.yarnrc'];
const PYTHON_INPUTS = ['requirements.txt', 'requirements.lock', 'poetry.lock', 'pyproject.toml', 'Pipfile.lock', 'uv.lock', 'pip.conf'];

/** The default install for a project directory, from the lockfiles it has; `configured` overrides the command. */
export function planInstall(projectDir: string, configured?: string): InstallPlan {
  const has = (f: string) => existsSync(path.join(projectDir, f));
  const inputs = [...NODE_INPUTS, ...PYTHON_INPUTS].filter(has);
  if (has('package-lock.json') || has('npm-shrinkwrap.json')) {
    return { kind: 'npm', command: configured ?? 'npm ci --no-audit --no-fund', installedDir: 'node_modules', inputs };
  }
  if (has('pnpm-lock.yaml')) {
    return { kind: 'pnpm', command: configured ?? 'pnpm install --frozen-lockfile', installedDir: 'node_modules', inputs };
  }
  if (has('yarn.lock')) {
    const berry = has('.yarnrc.yml');
    return { kind: 'yarn', command: configured ?? (berry ? 'yarn install --immutable' : 'yarn install --frozen-lockfile'), installedDir: 'node_modules', inputs };
  }
  if (has('requirements.txt')) {
    return {
      kind: 'python',
      command: configured ?? 'python3 -m venv .venv && .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt',
      installedDir: '.venv',
      inputs,
    };
  }
  if (has('package.json')) {
    return { kind: 'npm', command: configured ?? 'npm install --no-audit --no-fund', installedDir: 'node_modules', inputs };
  }
  return { kind: 'custom', command: configured ?? 'true', installedDir: null, inputs };
}

async function hashPlan(projectDir: string, plan: InstallPlan, extraKey: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`v1\0${plan.command}\0${process.version}\0${process.platform}-${process.arch}\0${extraKey}\0`);
  for (const file of plan.inputs) {
    hash.update(`${file}\0`);
    hash.update(await readFile(path.join(projectDir, file)));
    hash.update('\0');
  }
  // Requirement files elsewhere (requirements/dev.txt) also decide a Python install.
  const reqDir = path.join(projectDir, 'requirements');
  if (existsSync(reqDir)) {
    for (const f of (await readdir(reqDir)).sort()) {
      hash.update(`requirements/${f}\0`);
      hash.update(await readFile(path.join(reqDir, f)).catch(() => Buffer.alloc(0)));
    }
  }
  return hash.digest('hex').slice(0, 24);
}

export interface CommandResult {
  code: number | null;
  output: string;
}

/** Runs a shell command with exactly the environment given (never process.env), keeping the output tail. */
export function runShell(command: string, cwd: string, env: Record<string, string>, signal?: AbortSignal): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const onAbort = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ code, output });
    });
  });
}

export function tailLines(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export interface InstallOutcome {
  cached: boolean;
  key: string;
  seconds: number;
}

/**
 * Installs the project's dependencies, reusing the cache when an install with the same inputs exists.
 * On a miss the install runs in the project dir, then its installed dir moves into the cache and a
 * symlink takes its place (Node and venvs both follow it).
 */
export async function installWithCache(opts: {
  projectDir: string;
  plan: InstallPlan;
  cacheDir: string;
  env: Record<string, string>;
  /** Part of the cache key, e.g. a pinned version set during bisect. */
  extraKey?: string;
  signal?: AbortSignal;
}): Promise<InstallOutcome> {
  const started = Date.now();
  const { projectDir, plan } = opts;
  const key = await hashPlan(projectDir, plan, opts.extraKey ?? '');
  const entry = path.join(opts.cacheDir, 'installs', key);
  const done = path.join(entry, '.complete');
  const linkTo = plan.installedDir ? path.join(projectDir, plan.installedDir) : null;
  if (existsSync(done) && plan.installedDir && linkTo) {
    await rm(linkTo, { recursive: true, force: true });
    await symlink(path.join(entry, plan.installedDir), linkTo, 'dir');
    return { cached: true, key, seconds: (Date.now() - started) / 1000 };
  }
  if (existsSync(done) && !plan.installedDir) return { cached: true, key, seconds: 0 };
  let command = plan.command;
  if (plan.kind === 'python' && plan.installedDir && linkTo) {
    // venvs are not relocatable: create it at its final place in the cache and link it first.
    await rm(entry, { recursive: true, force: true });
    await mkdir(path.join(entry, plan.installedDir), { recursive: true });
    await rm(linkTo, { recursive: true, force: true });
    await symlink(path.join(entry, plan.installedDir), linkTo, 'dir');
    command = command.replace('python3 -m venv .venv', `python3 -m venv --clear ${JSON.stringify(path.join(entry, plan.installedDir))}`);
  }
  const result = await runShell(command, projectDir, opts.env, opts.signal);
  if (result.code !== 0) {
    if (plan.kind === 'python') await rm(entry, { recursive: true, force: true });
    throw new InstallError(`install failed (\`${plan.command}\` exited with ${result.code})`, tailLines(result.output));
  }
  await mkdir(entry, { recursive: true });
  if (plan.installedDir && linkTo && plan.kind !== 'python') {
    const stat = await lstat(linkTo).catch(() => null);
    if (stat && !stat.isSymbolicLink()) {
      await rm(path.join(entry, plan.installedDir), { recursive: true, force: true });
      await rename(linkTo, path.join(entry, plan.installedDir));
      await symlink(path.join(entry, plan.installedDir), linkTo, 'dir');
    }
  }
  await writeFile(done, new Date().toISOString());
  return { cached: false, key, seconds: (Date.now() - started) / 1000 };
}
