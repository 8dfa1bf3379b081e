// Pinning a version set into a Node project. First choice: write the state into the lockfile itself
// (lock-splice/): base's lockfile with the pinned packages' entries as head locked them — version,
// integrity and their dependencies — and package.json's specs to match, so the project's frozen install
// (or its configured `install:`) installs exactly that state. Where a lockfile cannot be spliced (package-lock
// v1; a release between the two sides for yarn berry or pnpm, whose lockfiles hold what only they compute),
// the package manager's override mechanism (npm `overrides`, yarn `resolutions`, pnpm `pnpm.overrides`)
// forces every copy of the package to the chosen version; a direct dependency also gets its own spec set to
// that version, because npm refuses an override that disagrees with a direct dependency's spec (EOVERRIDE).
// For npm the lockfile is then regenerated (`npm install --package-lock-only`); yarn and pnpm resolve it
// in an unfrozen install.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { sourceOfSpec } from '../../lockfiles/index.ts';
import { PinInstallError, RegistryError, type EcosystemContext, type PinResult } from '../types.ts';
import { spliceLockfile, SpliceUnsupported, type RegistryManifest, type RegistryView } from './lock-splice/index.ts';
import { fetchPackument } from './registry.ts';
import { unfrozenInstall } from './unfrozen-install.ts';

type Manager = 'npm' | 'yarn' | 'yarn-berry' | 'pnpm';

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

function detectManager(projectDir: string): Manager {
  const has = (f: string) => existsSync(path.join(projectDir, f));
  if (has('package-lock.json') || has('npm-shrinkwrap.json')) return 'npm';
  if (has('pnpm-lock.yaml')) return 'pnpm';
  if (has('yarn.lock')) return has('.yarnrc.yml') ? 'yarn-berry' : 'yarn';
  return 'npm';
}

function detectIndent(text: string): string | number {
  const match = /^[ \t]+(?=")/m.exec(text);
  return match ? match[0] : 2;
}

type Json = Record<string, unknown>;

function objectAt(parent: Json, key: string): Json {
  const value = parent[key];
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  const created: Json = {};
  parent[key] = created;
  return created;
}

/**
 * Every requested version must be published: a missing one is an install failure, said plainly. A spec
 * that is not a registry release (a file tarball or folder, git, a URL, as a lockfile records it) is
 * written as it is: the install fetches it.
 */
async function checkPublished(versions: Record<string, string>, ctx: EcosystemContext): Promise<void> {
  await Promise.all(
    Object.entries(versions).filter(([, version]) => sourceOfSpec(version) === null).map(async ([name, version]) => {
      if (semver.valid(version) === null) {
        throw new PinInstallError(`${name}@${version}: "${version}" is not a semver version`, 'npm', versions);
      }
      let published: string[];
      try {
        published = Object.keys((await fetchPackument(name, ctx)).versions);
      } catch (err) {
        if (err instanceof RegistryError && err.status === 404) throw new PinInstallError(err.message, 'npm', versions);
        throw err;
      }
      if (!published.includes(version)) {
        throw new PinInstallError(`${name}@${version} is not published on the configured registry (it has ${published.length} other releases)`, 'npm', versions);
      }
    }),
  );
}

function minimalEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  return env;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>, signal?: AbortSignal): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], signal });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

const LOCKFILE_OF: Record<Manager, string> = { npm: 'package-lock.json', yarn: 'yarn.lock', 'yarn-berry': 'yarn.lock', pnpm: 'pnpm-lock.yaml' };

/** The registry, as a splice asks it about releases neither lockfile holds (one packument per package). */
function registryView(ctx: EcosystemContext): RegistryView {
  const packuments = new Map<string, ReturnType<typeof fetchPackument>>();
  const packument = (name: string) => {
    let p = packuments.get(name);
    if (!p) packuments.set(name, (p = fetchPackument(name, ctx)));
    return p;
  };
  return {
    versions: async (name) => Object.keys((await packument(name)).versions),
    manifest: async (name, version) => {
      const m = (await packument(name)).versions[version] as RegistryManifest | undefined;
      if (!m) throw new PinInstallError(`${name}@${version} is not published on the configured registry`, 'npm', { [name]: version });
      return { ...m, name, version };
    },
  };
}

/**
 * The state written into base's lockfile from head's entries; null when head's files are not at hand
 * or the lockfile cannot be spliced (the note says why, and pinning falls back to the package manager).
 */
async function trySplice(projectDir: string, manager: Manager, versions: Record<string, string>, ctx: EcosystemContext, notes: string[]): Promise<string[] | null> {
  if (!ctx.headFile) return null;
  const lockName = manager === 'npm' && existsSync(path.join(projectDir, 'npm-shrinkwrap.json')) ? 'npm-shrinkwrap.json' : LOCKFILE_OF[manager];
  const lockPath = path.join(projectDir, lockName);
  if (!existsSync(lockPath)) return null;
  const [headManifest, headLock] = await Promise.all([ctx.headFile('package.json'), ctx.headFile(lockName)]);
  if (headManifest === null || headLock === null) {
    notes.push(`head has no ${headManifest === null ? 'package.json' : lockName} here: the package manager resolves the pinned versions`);
    return null;
  }
  try {
    const spliced = await spliceLockfile(manager, {
      base: { manifest: await readFile(path.join(projectDir, 'package.json'), 'utf8'), lockfile: await readFile(lockPath, 'utf8') },
      head: { manifest: headManifest, lockfile: headLock },
      versions,
      registry: registryView(ctx),
    });
    await writeFile(path.join(projectDir, 'package.json'), spliced.manifest);
    await writeFile(lockPath, spliced.lockfile);
    notes.push(...spliced.notes);
    return ['package.json', lockName];
  } catch (err) {
    if (!(err instanceof SpliceUnsupported)) throw err;
    notes.push(`${lockName} could not be written for this state (${err.message}): the package manager resolves it`);
    return null;
  }
}

async function cacheKeyOf(projectDir: string, manager: Manager, changedFiles: string[]): Promise<string> {
  const hash = createHash('sha256').update(`npm-pin\0${manager}\0`);
  for (const file of changedFiles) hash.update(`${file}\0`).update(await readFile(path.join(projectDir, file))).update('\0');
  return `npm:${hash.digest('hex').slice(0, 24)}`;
}

export async function pinNpm(projectDir: string, versions: Record<string, string>, ctxIn: Omit<EcosystemContext, 'projectDir'>): Promise<PinResult> {
  const ctx: EcosystemContext = { ...ctxIn, projectDir };
  const manifestFile = path.join(projectDir, 'package.json');
  if (!existsSync(manifestFile)) throw new PinInstallError(`no package.json in ${projectDir}`, 'npm', versions);
  await checkPublished(versions, ctx);

  const manager = detectManager(projectDir);
  const spliceNotes: string[] = [];
  const spliced = await trySplice(projectDir, manager, versions, ctx, spliceNotes);
  if (spliced) {
    return { versions: { ...versions }, changedFiles: spliced, cacheKey: await cacheKeyOf(projectDir, manager, spliced), env: {}, notes: spliceNotes, lockfile: 'spliced' };
  }

  const original = await readFile(manifestFile, 'utf8');
  const manifest = JSON.parse(original) as Json;
  const notes: string[] = [...spliceNotes];

  for (const [name, version] of Object.entries(versions).sort(([a], [b]) => a.localeCompare(b))) {
    for (const field of DEPENDENCY_FIELDS) {
      const deps = manifest[field];
      if (deps && typeof deps === 'object' && name in (deps as Json)) {
        const spec = String((deps as Json)[name]);
        if (spec.startsWith('npm:') || spec.startsWith('workspace:')) {
          notes.push(`${field}.${name} is "${spec}" (an alias or workspace): left as is, the override pins the registry package`);
          continue;
        }
        (deps as Json)[name] = version;
      }
    }
    if (manager === 'npm') objectAt(manifest, 'overrides')[name] = version;
    else if (manager === 'pnpm') objectAt(objectAt(manifest, 'pnpm'), 'overrides')[name] = version;
    else objectAt(manifest, 'resolutions')[name] = version;
  }

  const updated = `${JSON.stringify(manifest, null, detectIndent(original))}${original.endsWith('\n') ? '\n' : ''}`;
  await writeFile(manifestFile, updated);
  const changedFiles = ['package.json'];
  const result: PinResult = { versions: { ...versions }, changedFiles, cacheKey: '', env: {}, notes, lockfile: 'resolved' };

  if (manager === 'npm') {
    const lockfile = existsSync(path.join(projectDir, 'npm-shrinkwrap.json')) ? 'npm-shrinkwrap.json' : 'package-lock.json';
    const lockPath = path.join(projectDir, lockfile);
    if (existsSync(lockPath)) {
      const originalLock = await readFile(lockPath);
      // Resolves against the registry of the project's .npmrc (npm reads it itself from the cwd); scripts
      // never run, and nothing is installed: only the lockfile is rewritten.
      const env = { ...(ctx.env ?? minimalEnv()) };
      const args = ['install', '--package-lock-only', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'];
      const outcome = ctx.run ? await ctx.run('npm', args, projectDir, env) : await run('npm', args, projectDir, env, ctx.signal);
      if (outcome.code !== 0) {
        // Leave the tree as it was: the caller may try the next release in the same worktree.
        await writeFile(manifestFile, original);
        await writeFile(lockPath, originalLock);
        throw new PinInstallError(
          `npm could not resolve ${describe(versions)} (npm install --package-lock-only exited with ${outcome.code})`,
          'npm',
          versions,
          tail(outcome.output),
        );
      }
      changedFiles.push(lockfile);
    } else {
      notes.push('no package-lock.json: the install resolves the pinned versions itself');
      result.lockfile = 'none';
    }
  } else {
    // yarn and pnpm are not run here (they may not be installed, and corepack would download them):
    // the install must be allowed to update the lockfile, which it does from the overrides. It is the
    // configured install with its freeze flag off when it has one (how it runs the package manager and
    // its other flags, such as --ignore-scripts, stay), else the package manager's plain unfrozen install.
    const lock = manager === 'pnpm' ? 'pnpm-lock.yaml' : 'yarn.lock';
    const unfrozen = unfrozenInstall(manager, ctx.install);
    result.installCommand = unfrozen.command;
    if (manager === 'yarn-berry') result.env.YARN_ENABLE_IMMUTABLE_INSTALLS = 'false';
    notes.push(
      `${lock} was not regenerated: the install updates it from the ${manager === 'pnpm' ? 'pnpm.overrides' : 'resolutions'} in package.json ` +
        `(\`${unfrozen.command}\`${unfrozen.fromConfig ? ', the configured install unfrozen' : ''})`,
    );
  }

  result.cacheKey = await cacheKeyOf(projectDir, manager, changedFiles);
  return result;
}

function describe(versions: Record<string, string>): string {
  return Object.entries(versions)
    .map(([n, v]) => `${n}@${v}`)
    .join(', ');
}
