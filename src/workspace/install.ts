// Install and build one side of a compare. Installs are cached by a hash of everything that decides
// their outcome (install command, lockfiles and manifests, the side's exact runtimes), so a second compare of the
// same commits, or an A/A compare, installs once. The installed tree (node_modules, .venv) lives in the
// cache and is linked into each worktree.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { touchCacheEntry } from './disk-budget.ts';
import { describeFailedScript, findFailedScript, type FailedScript } from './install-failure.ts';
import { noScriptsEnv, stripOwnScripts, type ScriptsPolicy } from './lifecycle-scripts.ts';
import { keyedQueue } from './one-at-a-time.ts';

export class InstallError extends Error {
  constructor(
    message: string,
    readonly outputTail: string,
    /** Hosts the sandbox refused while it ran (not package registries it may reach). */
    readonly refusedHosts: readonly string[] = [],
    readonly timedOut = false,
    /** The lifecycle script that failed, when the output names one. */
    readonly failedScript: FailedScript | null = null,
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
  /** Whose lifecycle scripts run (npm, pnpm, yarn; a custom command too): lifecycle-scripts.ts. */
  scripts: ScriptsPolicy;
}

const NODE_INPUTS = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', '.npmrc', '.yarnrc.yml', '.yarnrc'];
const PYTHON_INPUTS = ['requirements.txt', 'requirements.lock', 'poetry.lock', 'pyproject.toml', 'Pipfile.lock', 'uv.lock', 'pip.conf'];

/** The default install for a project directory, from the lockfiles it has; `configured` overrides the command. */
export function planInstall(projectDir: string, configured?: string, scripts: ScriptsPolicy = 'dependencies'): InstallPlan {
  return { ...planCommand(projectDir, configured), scripts };
}

function planCommand(projectDir: string, configured?: string): Omit<InstallPlan, 'scripts'> {
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

async function hashPlan(projectDir: string, plan: InstallPlan, extraKey: string, runtimeKey: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`v1\0${plan.command}\0${plan.scripts}\0${runtimeKey}\0${process.platform}-${process.arch}\0${extraKey}\0`);
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

/** What an install command sees: the paths it may write (besides nothing) and read (besides the system). */
export interface InstallMounts {
  writable: string[];
  readOnly: string[];
}

/** Runs one command of the install in the project dir (in the job's sandbox), with `env` added: its exit code and output tail. */
export type InstallRunner = (command: string, mounts: InstallMounts, env: Record<string, string>) => Promise<{ code: number | null; output: string; timedOut?: boolean; refusedHosts?: string[] }>;

export function tailLines(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export interface InstallOutcome {
  cached: boolean;
  key: string;
  seconds: number;
  /** The cache entry the project's installed dir links to (mounted read-only for build and server), if any. */
  entry: string | null;
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
  /** Runs the install command (sandboxed, with its deadline). */
  run: InstallRunner;
  /** Part of the cache key, e.g. a pinned version set during bisect, and the repository. */
  extraKey?: string;
  /**
   * The runtimes the install runs on, exactly ("node 22.23.5 …", "python pypy3.9-7.3.11 …"): native addons
   * and venvs belong to one runtime, so another version never reuses them. Default: the Node running us.
   */
  runtimeKey?: string;
  /** Called with a directory the install must be able to write before it runs (the sandbox's uid takes it over). */
  prepareWritable?: (dir: string) => Promise<void>;
}): Promise<InstallOutcome> {
  const started = Date.now();
  const key = await hashPlan(opts.projectDir, opts.plan, opts.extraKey ?? '', opts.runtimeKey ?? process.version);
  const entry = path.join(opts.cacheDir, 'installs', key);
  // One install of an entry at a time in this process: the two sides of an A/A compare, prepared at once,
  // share a key. The second waits, then finds the entry complete (or installs it, if the first failed).
  return oneInstallPerEntry(entry, () => installEntry(opts, key, entry, started));
}

const oneInstallPerEntry = keyedQueue();

async function installEntry(opts: Parameters<typeof installWithCache>[0], key: string, entry: string, started: number): Promise<InstallOutcome> {
  const { projectDir, plan } = opts;
  const done = path.join(entry, '.complete');
  const linkTo = plan.installedDir ? path.join(projectDir, plan.installedDir) : null;
  if (existsSync(done) && plan.installedDir && linkTo) {
    await rm(linkTo, { recursive: true, force: true });
    await symlink(path.join(entry, plan.installedDir), linkTo, 'dir');
    await touchCacheEntry(entry);
    return { cached: true, key, seconds: (Date.now() - started) / 1000, entry };
  }
  if (existsSync(done) && !plan.installedDir) {
    await touchCacheEntry(entry);
    return { cached: true, key, seconds: 0, entry: null };
  }
  let command = plan.command;
  const mounts: InstallMounts = { writable: [], readOnly: [] };
  if (plan.kind === 'python' && plan.installedDir && linkTo) {
    // venvs are not relocatable: create it at its final place in the cache and link it first.
    await rm(entry, { recursive: true, force: true });
    await mkdir(path.join(entry, plan.installedDir), { recursive: true });
    await rm(linkTo, { recursive: true, force: true });
    await symlink(path.join(entry, plan.installedDir), linkTo, 'dir');
    command = command.replace('python3 -m venv .venv', `python3 -m venv --clear ${JSON.stringify(path.join(entry, plan.installedDir))}`);
    await opts.prepareWritable?.(entry);
    mounts.writable.push(entry);
  }
  // Python installs have no lifecycle scripts; for the Node package managers, see lifecycle-scripts.ts.
  const node = plan.kind !== 'python';
  const own = node && plan.scripts !== 'all' ? await stripOwnScripts(projectDir) : null;
  let result: Awaited<ReturnType<InstallRunner>>;
  try {
    result = await opts.run(command, mounts, node && plan.scripts === 'none' ? noScriptsEnv() : {});
  } finally {
    await own?.restore();
  }
  if (result.code !== 0) {
    if (plan.kind === 'python') await rm(entry, { recursive: true, force: true });
    const how = result.timedOut ? 'did not finish within its deadline (`timeouts.install`) and was killed' : `exited with ${result.code}`;
    const failed = result.timedOut || !node ? null : findFailedScript(result.output, projectDir);
    const cause = failed ? `: ${describeFailedScript(failed)}` : '';
    throw new InstallError(`install failed (\`${plan.command}\` ${how})${cause}`, tailLines(result.output), result.refusedHosts ?? [], result.timedOut ?? false, failed);
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
  await touchCacheEntry(entry);
  return { cached: false, key, seconds: (Date.now() - started) / 1000, entry: plan.installedDir ? entry : null };
}
