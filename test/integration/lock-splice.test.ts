// Bisect states that match the lockfiles, with the real package managers against a real registry
// (verdaccio): base locks splice-lib 1.0.0 and splice-other 1.0.0 (both on splice-util 1.x); head locks
// splice-lib 2.0.0 (on splice-util 2.0.0) and splice-other 1.1.0. A candidate pinning only splice-lib
// at head's release must lock exactly base's entries plus head's entries for splice-lib and what it
// resolved to at head (splice-util 2.0.0), and install with the project's frozen install. yarn, pnpm and
// yarn berry are fetched once from the public npm registry into a temp folder (test/helpers/package-manager-tools.ts);
// a manager that cannot be fetched (offline) is skipped, saying so.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishExamplePackages, startLocalNpmRegistry, type LocalNpmRegistry } from '../../src/demo/npm-registry.ts';
import { ecosystems } from '../../src/ecosystems/index.ts';
import { parseLockfile } from '../../src/lockfiles/index.ts';
import { isolatedEnv, tempDir } from '../ecosystems/helpers.ts';
import { fetchTool, TOOL_PACKAGES } from '../helpers/package-manager-tools.ts';

const exec = promisify(execFile);
const work = tempDir('bumpbench-lock-splice-');
const packagesDir = path.resolve(import.meta.dirname, '../fixtures/splice-packages');
const SCOPE = '@bumpbench-examples';
const LIB = `${SCOPE}/splice-lib`;
const UTIL = `${SCOPE}/splice-util`;
const OTHER = `${SCOPE}/splice-other`;
let registry: LocalNpmRegistry;
const env = () => isolatedEnv(path.join(work, 'home'));

type Manager = 'npm' | 'yarn' | 'pnpm' | 'yarn-berry';
const LOCKFILE: Record<Manager, string> = { npm: 'package-lock.json', yarn: 'yarn.lock', pnpm: 'pnpm-lock.yaml', 'yarn-berry': 'yarn.lock' };
const tools: Partial<Record<Manager, string>> = {};

async function run(file: string, args: string[], cwd: string, extra: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd, env: { ...env(), ...extra }, timeout: 240_000, maxBuffer: 32 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${path.basename(file)} ${args.join(' ')} in ${cwd} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

function project(dir: string, manager: Manager, deps: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: deps }, null, 2)}\n`);
  writeFileSync(path.join(dir, '.npmrc'), `registry=${registry.url}/\n`);
  if (manager === 'yarn') writeFileSync(path.join(dir, '.yarnrc'), `registry "${registry.url}/"\n`);
  if (manager === 'yarn-berry') {
    writeFileSync(
      path.join(dir, '.yarnrc.yml'),
      `nodeLinker: node-modules\nenableGlobalCache: false\nenableTelemetry: false\nnpmRegistryServer: "${registry.url}"\nunsafeHttpWhitelist:\n  - 127.0.0.1\n`,
    );
    writeFileSync(path.join(dir, 'yarn.lock'), '');
  }
}

async function lock(dir: string, manager: Manager): Promise<void> {
  if (manager === 'npm') await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
  else if (manager === 'yarn') await run('node', [tools.yarn!, 'install', '--ignore-scripts', '--non-interactive', '--no-default-rc', '--use-yarnrc', path.join(dir, '.yarnrc'), '--cache-folder', path.join(work, 'yarn-cache')], dir);
  else if (manager === 'pnpm') await run('node', [tools.pnpm!, 'install', '--lockfile-only', '--ignore-scripts', '--store-dir', path.join(work, 'pnpm-store')], dir);
  else await run('node', [tools['yarn-berry']!, 'install', '--mode=update-lockfile'], dir, { YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' });
}

async function frozenInstall(dir: string, manager: Manager): Promise<void> {
  if (manager === 'npm') await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
  else if (manager === 'yarn') await run('node', [tools.yarn!, 'install', '--frozen-lockfile', '--ignore-scripts', '--non-interactive', '--no-default-rc', '--use-yarnrc', path.join(dir, '.yarnrc'), '--cache-folder', path.join(work, 'yarn-cache')], dir);
  else if (manager === 'pnpm') await run('node', [tools.pnpm!, 'install', '--frozen-lockfile', '--ignore-scripts', '--store-dir', path.join(work, 'pnpm-store')], dir);
  else await run('node', [tools['yarn-berry']!, 'install', '--immutable'], dir);
}

/** name@version of every registry package a lockfile locks, sorted (a multiset: copies count). */
function lockedReleases(dir: string, manager: Manager): string[] {
  const file = LOCKFILE[manager];
  return parseLockfile(file, readFileSync(path.join(dir, file), 'utf8')).packages
    .filter((p) => p.name.startsWith(SCOPE))
    .map((p) => `${p.name}@${p.version}`)
    .sort();
}

function installedVersion(dir: string, name: string): string {
  return (JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

const sides = new Map<Manager, { base: string; head: string }>();

beforeAll(async () => {
  registry = await startLocalNpmRegistry({ storageDir: path.join(work, 'registry') });
  await publishExamplePackages(registry.url, { packagesDir });
  for (const manager of ['yarn', 'pnpm', 'yarn-berry'] as const) tools[manager] = (await fetchTool(manager))?.bin;
}, 600_000);

afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function sidesOf(manager: Manager): Promise<{ base: string; head: string }> {
  const made = sides.get(manager);
  if (made) return made;
  const base = path.join(work, manager, 'base');
  const head = path.join(work, manager, 'head');
  project(base, manager, { [LIB]: '1.0.0', [OTHER]: '1.0.0' });
  project(head, manager, { [LIB]: '2.0.0', [OTHER]: '1.1.0' });
  await lock(base, manager);
  await lock(head, manager);
  const pair = { base, head };
  sides.set(manager, pair);
  return pair;
}

async function candidate(manager: Manager, name: string, versions: Record<string, string>): Promise<{ dir: string; result: Awaited<ReturnType<typeof ecosystems.npm.pin>> }> {
  const { base, head } = await sidesOf(manager);
  const dir = path.join(work, manager, name);
  cpSync(base, dir, { recursive: true });
  const result = await ecosystems.npm.pin(dir, versions, {
    env: { ...env(), npm_config_registry: `${registry.url}/` },
    headFile: async (relative) => (existsSync(path.join(head, relative)) ? readFileSync(path.join(head, relative), 'utf8') : null),
  });
  return { dir, result };
}

describe.each(['npm', 'yarn', 'pnpm', 'yarn-berry'] as const)('a candidate written into the lockfile (%s)', (manager) => {
  it('takes head\'s entries for the pinned package and its dependencies, keeps base\'s for everything else, and installs frozen', async (ctx) => {
    if (manager !== 'npm' && !tools[manager]) ctx.skip(`${TOOL_PACKAGES[manager]} could not be fetched from the npm registry`);
    const { base, head } = await sidesOf(manager);
    const baseReleases = lockedReleases(base, manager);
    const headReleases = lockedReleases(head, manager);
    expect(baseReleases).toContain(`${LIB}@1.0.0`);
    expect(headReleases).toContain(`${UTIL}@2.0.0`);

    const { dir, result } = await candidate(manager, 'lib-at-head', { [LIB]: '2.0.0' });
    expect(result.lockfile).toBe('spliced');
    expect(result.installCommand).toBeUndefined();
    // Exactly base's entries, minus the pinned package's old release, plus head's release and the
    // dependency head resolved for it; splice-other stays at base's 1.0.0 (head moved it to 1.1.0).
    const expected = [...baseReleases.filter((r) => r !== `${LIB}@1.0.0`), `${LIB}@2.0.0`, `${UTIL}@2.0.0`].sort();
    expect(lockedReleases(dir, manager)).toEqual(expected);
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies).toEqual({ [LIB]: '2.0.0', [OTHER]: '1.0.0' });

    await frozenInstall(dir, manager);
    expect(installedVersion(dir, LIB)).toBe('2.0.0');
    expect(installedVersion(dir, OTHER)).toBe('1.0.0');
  }, 600_000);

  it.runIf(manager === 'npm' || manager === 'yarn')('a release neither side locks comes from the registry, its dependencies from a locked release that satisfies them', async (ctx) => {
    if (manager !== 'npm' && !tools[manager]) ctx.skip(`${TOOL_PACKAGES[manager]} could not be fetched from the npm registry`);
    const { base } = await sidesOf(manager);
    const { dir, result } = await candidate(manager, 'lib-between', { [LIB]: '1.5.0' });
    expect(result.lockfile).toBe('spliced');
    const expected = [...lockedReleases(base, manager).filter((r) => r !== `${LIB}@1.0.0`), `${LIB}@1.5.0`].sort();
    // splice-lib 1.5.0 asks for splice-util ^1.1.0: base's locked 1.1.0 serves it, nothing new is fetched.
    expect(lockedReleases(dir, manager), readFileSync(path.join(dir, LOCKFILE[manager]), 'utf8')).toEqual(expected);
    await frozenInstall(dir, manager);
    expect(installedVersion(dir, LIB)).toBe('1.5.0');
  }, 600_000);
});
