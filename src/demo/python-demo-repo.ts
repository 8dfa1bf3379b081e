// A throwaway git repository holding the Python example app (examples/python-api) with a base commit
// pinning cloudsig at `from` and a Dependabot-style branch bumping it to `to`, as a real pull request
// would look. pip finds the local package index through the repo's pip.conf (the bumpbench config sets
// PIP_CONFIG_FILE=pip.conf), written here because the index's port changes every run.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { exampleRoot } from './example-paths.ts';

const run = promisify(execFile);

export const CLOUDSIG = 'cloudsig';
/** The cloudsig releases around the slowdown: a region round-trip per signature from 1.6.0 on. */
export const CLOUDSIG_REGRESSION = { lastGood: '1.5.0', firstBad: '1.6.0' } as const;

/** `examples/python-api/`: the Python example app. */
export function pythonApiExampleDir(): string {
  return path.join(exampleRoot(), 'python-api');
}

export interface PythonDemoRepo {
  dir: string;
  baseRef: string;
  headRef: string;
  baseSha: string;
  headSha: string;
}

export interface PythonDemoOptions {
  /** The simple index URL serving cloudsig, e.g. from startPypiIndex(). */
  indexUrl: string;
  /** Where to create the repository (created if missing; must not already be a repository). */
  dir: string;
  from?: string;
  to?: string;
}

async function git(dir: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('git', args, { cwd: dir, env: { ...process.env, ...env } });
  return stdout.trim();
}

function dependabotMessage(from: string, to: string): string {
  const repo = 'https://github.com/bumpbench-examples/cloudsig';
  return [
    `Bump cloudsig from ${from} to ${to}`,
    '',
    `Bumps [cloudsig](${repo}) from ${from} to ${to}.`,
    `- [Changelog](${repo}/blob/main/CHANGELOG.md)`,
    `- [Commits](${repo}/compare/v${from}...v${to})`,
    '',
    '---',
    'updated-dependencies:',
    '- dependency-name: cloudsig',
    `  dependency-version: ${to}`,
    '  dependency-type: direct:production',
    `  update-type: version-update:semver-${from.split('.')[0] === to.split('.')[0] ? 'minor' : 'major'}`,
    '...',
    '',
    'Signed-off-by: dependabot[bot] <support@github.com>',
    '',
  ].join('\n');
}

function setCloudsig(requirements: string, version: string): string {
  const pinned = /^cloudsig==\S+/m;
  if (!pinned.test(requirements)) throw new Error('examples/python-api/requirements.txt has no "cloudsig==" pin');
  return requirements.replace(pinned, `cloudsig==${version}`);
}

export async function createPythonDemoRepo(opts: PythonDemoOptions): Promise<PythonDemoRepo> {
  const from = opts.from ?? '1.2.0';
  const to = opts.to ?? '1.9.0';
  const dir = path.resolve(opts.dir);
  if (existsSync(path.join(dir, '.git'))) throw new Error(`${dir} is already a git repository`);
  await mkdir(dir, { recursive: true });
  const source = pythonApiExampleDir();
  await cp(source, dir, {
    recursive: true,
    filter: (src) => !/(^|\/)(\.venv|__pycache__|pip\.conf|bumpbench-constraints\.txt)(\/|$)/.test(path.relative(source, src)),
  });
  await writeFile(
    path.join(dir, 'pip.conf'),
    `# Written by the bumpbench demo: the local package index serving the example libraries.\n[global]\nindex-url = ${opts.indexUrl}\n`,
  );
  const requirementsFile = path.join(dir, 'requirements.txt');
  const requirements = await readFile(requirementsFile, 'utf8');
  await writeFile(requirementsFile, setCloudsig(requirements, from));

  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['config', 'user.name', 'bumpbench demo']);
  await git(dir, ['config', 'user.email', 'demo@bumpbench.invalid']);
  await git(dir, ['config', 'commit.gpgsign', 'false']);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', `Python example API with cloudsig ${from}`]);
  const baseSha = await git(dir, ['rev-parse', 'HEAD']);

  const headRef = `dependabot/pip/cloudsig-${to}`;
  await git(dir, ['checkout', '-q', '-b', headRef]);
  await writeFile(requirementsFile, setCloudsig(requirements, to));
  await git(dir, ['add', 'requirements.txt']);
  const author = 'dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>';
  await git(dir, ['commit', '-q', '--author', author, '-m', dependabotMessage(from, to)]);
  const headSha = await git(dir, ['rev-parse', 'HEAD']);
  await git(dir, ['checkout', '-q', 'main']);
  return { dir, baseRef: 'main', headRef, baseSha, headSha };
}
