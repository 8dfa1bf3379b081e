// Builds the demo's git repository: an example API (examples/node-api, or another example app that
// depends on textkit, such as examples/blog-api) on a `main` branch, and a head
// branch holding one Dependabot-style commit that bumps @bumpbench-examples/textkit (or, grouped, all
// nine example libraries), changing only package.json and package-lock.json, as a real bump PR does.
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { TEXTKIT, latestVersion, loadExamplePackages } from './example-packages.ts';
import { nodeApiExampleDir } from './example-paths.ts';
import { localNpm, npmrcFor } from './local-npm.ts';
import {
  DEPENDABOT_AUTHOR,
  dependabotBranch,
  groupedUpdateMessage,
  singleUpdateMessage,
  type DependencyUpdate,
} from './dependabot-message.ts';

const run = promisify(execFile);

export interface NodeDemoRepoOptions {
  /** The local registry serving the example libraries (see npm-registry.ts). */
  registryUrl: string;
  /** Where to create the repo: must not exist or be empty. */
  dir: string;
  /** textkit version on the base branch. Default 1.2.0. */
  textkitFrom?: string;
  /** textkit version on the head branch. Default 1.9.0. */
  textkitTo?: string;
  /** Bump all nine example libraries in one grouped commit instead of textkit alone. */
  grouped?: boolean;
  /** The example app to put in the repo (it must depend on textkit). Default examples/node-api. */
  exampleDir?: string;
}

export interface NodeDemoRepo {
  dir: string;
  baseRef: string;
  headRef: string;
  baseSha: string;
  headSha: string;
  /** What the head commit changes, in the order the commit message lists it. */
  updates: DependencyUpdate[];
  /** The head commit's message (its first line is the PR title Dependabot would use). */
  message: string;
}

export const DEMO_BASE_BRANCH = 'main';
export const DEMO_GROUP = 'bumpbench-examples';
const DEFAULT_FROM = '1.2.0';
const DEFAULT_TO = '1.9.0';

async function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const inherited = { ...process.env };
  // A caller inside a git hook would otherwise point us at its own repository.
  for (const key of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete inherited[key];
  const { stdout } = await run('git', ['-c', 'commit.gpgsign=false', ...args], { cwd, env: { ...inherited, ...env } });
  return stdout.trim();
}

async function ensureEmptyDir(dir: string): Promise<void> {
  try {
    if ((await readdir(dir)).length > 0) throw new Error(`${dir} is not empty: createNodeDemoRepo needs a new or empty folder`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dir, { recursive: true });
  }
}

type PackageJson = { dependencies: Record<string, string> } & Record<string, unknown>;

async function readPackageJson(dir: string): Promise<PackageJson> {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

async function writePackageJson(dir: string, pkg: PackageJson): Promise<void> {
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}

export async function createNodeDemoRepo(opts: NodeDemoRepoOptions): Promise<NodeDemoRepo> {
  const from = opts.textkitFrom ?? DEFAULT_FROM;
  const to = opts.textkitTo ?? DEFAULT_TO;
  const packages = await loadExamplePackages();
  const textkit = packages.find((p) => p.name === TEXTKIT);
  if (textkit === undefined) throw new Error(`${TEXTKIT} is missing from examples/npm-packages`);
  for (const version of [from, to]) {
    if (!textkit.releases.some((r) => r.version === version)) {
      throw new Error(`${TEXTKIT} has no release ${version}; releases: ${textkit.releases.map((r) => r.version).join(', ')}`);
    }
  }
  if (from === to) throw new Error(`textkitFrom and textkitTo are both ${from}: there would be nothing to bump`);

  const dir = opts.dir;
  await ensureEmptyDir(dir);
  const source = opts.exampleDir ?? nodeApiExampleDir();
  await cp(source, dir, {
    recursive: true,
    filter: (path) => !['node_modules', 'package-lock.json'].includes(basename(path)),
  });

  const pkg = await readPackageJson(dir);
  pkg.dependencies[TEXTKIT] = from;
  await writePackageJson(dir, pkg);
  await writeFile(join(dir, '.npmrc'), npmrcFor(opts.registryUrl));

  const npm = await localNpm(opts.registryUrl);
  try {
    await git(dir, ['init', '--quiet', '--initial-branch', DEMO_BASE_BRANCH]);
    await git(dir, ['config', 'user.name', 'Demo Maintainer']);
    await git(dir, ['config', 'user.email', 'maintainer@example.com']);

    await npm.install(dir);
    await git(dir, ['add', '--all']);
    await git(dir, ['commit', '--quiet', '-m', `Example API on ${TEXTKIT} ${from}`]);
    const baseSha = await git(dir, ['rev-parse', 'HEAD']);

    const updates: DependencyUpdate[] = [{ name: TEXTKIT, from, to, repository: textkit.repository }];
    if (opts.grouped) {
      for (const other of packages) {
        const current = pkg.dependencies[other.name];
        if (other.name === TEXTKIT || current === undefined) continue;
        const latest = latestVersion(other);
        if (latest !== current) updates.push({ name: other.name, from: current, to: latest, repository: other.repository });
      }
      updates.sort((a, b) => a.name.localeCompare(b.name));
    }
    const headRef = opts.grouped ? dependabotBranch(updates, DEMO_GROUP) : dependabotBranch(updates);
    const message = opts.grouped ? groupedUpdateMessage(DEMO_GROUP, updates) : singleUpdateMessage(updates[0]);

    await git(dir, ['checkout', '--quiet', '-b', headRef]);
    for (const update of updates) pkg.dependencies[update.name] = update.to;
    await writePackageJson(dir, pkg);
    await npm.install(dir);

    // A bump PR touches the manifest and the lockfile and nothing else; anything more is a bug here.
    const changed = [
      ...(await git(dir, ['diff', '--name-only', 'HEAD'])).split('\n'),
      ...(await git(dir, ['ls-files', '--others', '--exclude-standard'])).split('\n'),
    ].filter(Boolean);
    const unexpected = changed.filter((f) => f !== 'package.json' && f !== 'package-lock.json');
    if (unexpected.length > 0) throw new Error(`the bump changed more than package.json and package-lock.json: ${unexpected.join(', ')}`);
    await git(dir, ['add', 'package.json', 'package-lock.json']);
    await git(dir, ['commit', '--quiet', '--author', DEPENDABOT_AUTHOR, '-m', message]);
    const headSha = await git(dir, ['rev-parse', 'HEAD']);

    // Leave the checkout on the base branch with no installed packages, like a fresh clone.
    await git(dir, ['checkout', '--quiet', DEMO_BASE_BRANCH]);
    await rm(join(dir, 'node_modules'), { recursive: true, force: true });

    return { dir, baseRef: DEMO_BASE_BRANCH, headRef, baseSha, headSha, updates, message };
  } finally {
    await npm.dispose();
  }
}
