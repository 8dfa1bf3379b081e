// Bisect end to end on the Node example, for a yarn 1 project and a pnpm project, each with its frozen
// install configured: a real local registry (verdaccio) with textkit 1.0.0…1.9.0 (slugify ≈3× the CPU per
// call from 1.6.0), a real git repo whose base locks textkit 1.2.0 and whose head locks 1.9.0 in the
// yarn.lock / pnpm-lock.yaml the real yarn / pnpm wrote against that registry, real pins and sandboxed
// installs, real servers under autocannon.
//
// The sandbox sees the system, the runtimes on bumpbench's PATH and the job's own paths, never the test's
// temp folders (its /tmp is private), so the package manager is committed into the repository under test
// (.tools/<manager>/, as projects commit .yarn/releases/) and the configured install runs it with node.
// yarn classic states are written into yarn.lock (a release in between from the registry's manifest) and
// installed frozen; pnpm's releases in between are pnpm's to resolve, by the configured install with its
// freeze flag turned off.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costGoal } from '../../src/bisect/index.ts';
import { TEXTKIT } from '../../src/demo/example-packages.ts';
import { nodeApiExampleDir } from '../../src/demo/example-paths.ts';
import { npmrcFor } from '../../src/demo/local-npm.ts';
import { publishExamplePackages, startLocalNpmRegistry, type LocalNpmRegistry } from '../../src/demo/npm-registry.ts';
import { parseLockfile } from '../../src/lockfiles/index.ts';
import type { JobResult } from '../../src/model.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { isolatedEnv } from '../ecosystems/helpers.ts';
import { git, tempDir } from '../helpers/git-repo.ts';
import { fetchTool, TOOL_PACKAGES, type Tool } from '../helpers/package-manager-tools.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const exec = promisify(execFile);
const work = tempDir('bumpbench-bisect-yarn-pnpm-');
const dataDir = path.join(work, 'data');
const env = () => isolatedEnv(path.join(work, 'home'));

type Manager = 'yarn' | 'pnpm';
const LOCKFILE: Record<Manager, string> = { yarn: 'yarn.lock', pnpm: 'pnpm-lock.yaml' };
/** The committed tool's entry point, relative to the repository root. */
const TOOL_BIN: Record<Manager, string> = { yarn: '.tools/yarn/bin/yarn.js', pnpm: '.tools/pnpm/bin/pnpm.cjs' };
const FROZEN_INSTALL: Record<Manager, string> = {
  yarn: `node ${TOOL_BIN.yarn} install --frozen-lockfile --ignore-scripts`,
  pnpm: `node ${TOOL_BIN.pnpm} install --frozen-lockfile --ignore-scripts`,
};

let registry: LocalNpmRegistry;
const tools: Partial<Record<Manager, Tool>> = {};
const repos: Partial<Record<Manager, { dir: string; baseRef: string; headRef: string }>> = {};

async function run(file: string, args: string[], cwd: string): Promise<void> {
  try {
    await exec(file, args, { cwd, env: env(), timeout: 240_000, maxBuffer: 32 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${path.basename(file)} ${args.join(' ')} in ${cwd} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** The lockfile for the repo's package.json, written by the real package manager against the local registry. */
async function lock(dir: string, manager: Manager): Promise<void> {
  const bin = path.join(dir, TOOL_BIN[manager]);
  if (manager === 'yarn') {
    await run('node', [bin, 'install', '--ignore-scripts', '--non-interactive', '--cache-folder', path.join(work, 'yarn-cache')], dir);
    rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
  } else {
    await run('node', [bin, 'install', '--lockfile-only', '--ignore-scripts', '--store-dir', path.join(work, 'pnpm-store')], dir);
  }
}

function setTextkit(dir: string, version: string): void {
  const file = path.join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies: Record<string, string> };
  pkg.dependencies[TEXTKIT] = version;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}

/** textkit as the repo's lockfile locks it at `ref`. */
function lockedTextkit(dir: string, manager: Manager, ref: string): string[] {
  const text = git(dir, 'show', `${ref}:${LOCKFILE[manager]}`);
  return parseLockfile(LOCKFILE[manager], text).packages.filter((p) => p.name === TEXTKIT).map((p) => p.version);
}

/**
 * The example API in a git repo using `manager`: base (main) on textkit 1.2.0, head one bump commit to
 * 1.9.0 changing package.json and the lockfile only, the package manager committed under .tools/.
 */
async function createRepo(manager: Manager, tool: Tool): Promise<{ dir: string; baseRef: string; headRef: string }> {
  const dir = path.join(work, manager);
  cpSync(nodeApiExampleDir(), dir, { recursive: true, filter: (p) => !['node_modules', 'package-lock.json'].includes(path.basename(p)) });
  // Builds for other platforms (pnpm's reflink for macOS and Windows, its Windows helpers) are never loaded here.
  cpSync(tool.packageDir, path.join(dir, '.tools', manager), { recursive: true, filter: (p) => !/\.(exe|node)$/.test(p) || p.includes('linux') });
  writeFileSync(path.join(dir, '.npmrc'), `${npmrcFor(registry.url)}update-notifier=false\n`);
  if (manager === 'yarn') writeFileSync(path.join(dir, '.yarnrc'), `registry "${registry.url}/"\ndisable-self-update-check true\n`);
  writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n');
  setTextkit(dir, '1.2.0');
  await lock(dir, manager);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'user.name', 'bumpbench test');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `Example API on ${TEXTKIT} 1.2.0 (${manager})`);
  const headRef = `dependabot/npm_and_yarn/bumpbench-examples/textkit-1.9.0-${manager}`;
  git(dir, 'checkout', '-q', '-b', headRef);
  setTextkit(dir, '1.9.0');
  await lock(dir, manager);
  // A bump PR touches the manifest and the lockfile and nothing else.
  expect(git(dir, 'status', '--porcelain', '--untracked-files=all').split('\n').map((l) => l.trim().split(/\s+/)[1]).sort()).toEqual([LOCKFILE[manager], 'package.json'].sort());
  git(dir, 'commit', '-q', '-am', `Bump ${TEXTKIT} from 1.2.0 to 1.9.0`);
  git(dir, 'checkout', '-q', 'main');
  return { dir, baseRef: 'main', headRef };
}

/** The example's slug scenario alone, with short runs, and the project's frozen install (as bisect-npm). */
function writeConfig(manager: Manager): string {
  const file = path.join(work, `${manager}.yml`);
  writeFileSync(
    file,
    [
      `install: ${FROZEN_INSTALL[manager]}`,
      'start: node server.js',
      'ready: { path: /health, timeout: 20s }',
      'scenarios:',
      '  - name: slug',
      '    path: /slug?title=Cr%C3%A8me%20br%C3%BBl%C3%A9e%20%C3%A0%20Z%C3%BCrich',
      '    connections: 4',
      '    duration: 1s',
      '    warmup: 500ms',
      'repeats: { min: 4, max: 4 }',
      'gatedMetrics: [cpu_per_request]',
      'bisect: { maxSteps: 12 }',
      'hints: false',
    ].join('\n') + '\n',
  );
  return file;
}

beforeAll(async () => {
  registry = await startLocalNpmRegistry({ storageDir: path.join(work, 'registry') });
  await publishExamplePackages(registry.url);
  for (const manager of ['yarn', 'pnpm'] as const) {
    tools[manager] = await fetchTool(manager);
    if (tools[manager]) repos[manager] = await createRepo(manager, tools[manager]);
  }
}, 600_000);

afterAll(async () => {
  await registry?.stop();
  for (const repo of Object.values(repos)) expect(serverPidsUnder(repo.dir)).toEqual([]);
  expect(serverPidsUnder(dataDir)).toEqual([]);
  rmSync(work, { recursive: true, force: true });
});

describe.each(['yarn', 'pnpm'] as const)('bisect of a %s project with its frozen install configured', (manager) => {
  it('names textkit 1.6.0 (last good 1.5.0) within the cost goal', async (ctx) => {
    if (!tools[manager]) ctx.skip(`${TOOL_PACKAGES[manager]} could not be fetched from the npm registry`);
    const repo = repos[manager]!;
    // The lockfiles are the package manager's own: base locks 1.2.0, head 1.9.0.
    expect(lockedTextkit(repo.dir, manager, repo.baseRef)).toEqual(['1.2.0']);
    expect(lockedTextkit(repo.dir, manager, repo.headRef)).toEqual(['1.9.0']);

    const progress: string[] = [];
    const started = Date.now();
    const result: JobResult = await runJob(
      { kind: 'bisect', repo: repo.dir, base: { ref: repo.baseRef }, head: { ref: repo.headRef }, options: { configFile: writeConfig(manager) } },
      { dataDir, allowHosts: [new URL(registry.url).host], onProgress: (e) => progress.push(e.message) },
    );
    const seconds = (Date.now() - started) / 1000;
    const log = progress.join('\n');
    expect(result.kind).toBe('bisect');
    expect(result.verdict, log).toBe('regression');
    expect(result.changes).toMatchObject([{ ecosystem: 'npm', name: TEXTKIT, from: '1.2.0', to: '1.9.0' }]);
    expect(result.culprit, `${log}\n${result.notes.join('\n')}`).toMatchObject({ ecosystem: 'npm', name: TEXTKIT, lastGood: '1.5.0', firstBad: '1.6.0' });
    expect(result.culprit!.narrowedOnly).toBeFalsy();
    // Every state installed: none was skipped as one that would not install.
    expect(result.culprit!.skipped ?? []).toEqual([]);
    expect(result.culprit!.evidence.filter((e) => e.verdict === 'install-failed'), log).toEqual([]);
    expect(result.culprit!.ratio).toBeGreaterThan(1.5);
    expect(result.culprit!.evidence.some((e) => e.kind === 'recheck')).toBe(true);
    expect(result.culprit!.steps!.used).toBeLessThanOrEqual(costGoal(1, 6));
    // Base and head install with the configured frozen install.
    expect(log).toContain(`base: installing (${FROZEN_INSTALL[manager]}`);
    expect(log).toContain(`head: installing (${FROZEN_INSTALL[manager]}`);
    if (manager === 'yarn') {
      // yarn classic: every state written into yarn.lock, installed by the frozen install.
      expect(log).not.toMatch(/installing \([^)]*--no-frozen-lockfile/);
    } else {
      // pnpm: a release in between is pnpm's to resolve, by the configured install with its freeze flag off
      // (so it still runs the committed pnpm, and still without scripts).
      const unfrozen = `node ${TOOL_BIN.pnpm} install --no-frozen-lockfile --ignore-scripts`;
      expect(log).toContain(`installing (${unfrozen}`);
      expect(result.notes.join('\n')).toContain(`(\`${unfrozen}\`, the configured install unfrozen)`);
    }
    console.log(`${manager}: ${result.culprit!.steps!.used} measured steps, ${seconds.toFixed(0)} s`);
  }, 600_000);
});

describe('after both bisects', () => {
  it('leaves no worktree behind', () => {
    for (const repo of Object.values(repos)) expect(git(repo.dir, 'worktree', 'list').split('\n')).toHaveLength(1);
    const dir = path.join(dataDir, 'work');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
