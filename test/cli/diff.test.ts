// `bumpbench diff BEFORE AFTER [--json]` run in-process on real lockfiles and real files in a temp dir.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiff } from '../../src/cli/diff.ts';
import { diffPackageSets } from '../../src/lockfiles/diff.ts';
import { parseLockfile } from '../../src/lockfiles/parse.ts';
import { fixtureCases, lines, repoRoot } from '../lockfiles/shared-fixtures.ts';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runDiff(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

const cases = fixtureCases();
const webhooks = cases.find((c) => c.id.endsWith('octokit__webhooks.js__73ec1fc5b2'))!;
const requirements = cases.find((c) => c.id.endsWith('mozilla__treeherder__80300d2376'))!;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bumpbench-diff-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ownFixtures = path.join(repoRoot, 'test', 'fixtures', 'lockfiles');

describe('bumpbench diff --json', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s prints the paired changes', async (_id, fixture) => {
    const { code, stdout, stderr } = await run([fixture.beforeFile, fixture.afterFile, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Array<Record<string, unknown>>;
    // The four fields of every change first; the optional ones only when they say something.
    expect(rows.every((row) => /^ecosystem,name,from,to(,locations)?(,source)?(,scope)?(,direct)?$/.test(Object.keys(row).join()))).toBe(true);
    const parsed = (side: 'before' | 'after') => parseLockfile(fixture.repoPath, fixture.read(side)).packages;
    expect(rows).toEqual(diffPackageSets(parsed('before'), parsed('after')));
  });

  it('prints the source of a file: tarball change and the locations of nested copies', async () => {
    const lock = (state: string) => path.join(ownFixtures, 'non-registry', 'npm-v3', state, 'package-lock.json');
    const { code, stdout } = await run([lock('base'), lock('file-bumped'), '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        ecosystem: 'npm', name: 'regionkit', from: '1.0.0', to: '1.1.0', locations: ['node_modules/regionkit'],
        source: { from: { kind: 'file', spec: 'file:vendor/regionkit-1.0.0.tgz' }, to: { kind: 'file', spec: 'file:vendor/regionkit-1.1.0.tgz' } },
        // package-lock marks what only devDependencies need; nothing here, so the server needs it.
        scope: 'runtime',
      },
    ]);
  });
});

describe('bumpbench diff: only a file: tarball or a git commit changed', () => {
  const files: Record<string, string> = {
    'npm-v2': 'package-lock.json', 'npm-v3': 'package-lock.json', 'yarn-classic': 'yarn.lock',
    'yarn-berry': 'yarn.lock', 'pnpm-v6': 'pnpm-lock.yaml', 'pnpm-v9': 'pnpm-lock.yaml',
  };
  const lock = (format: string, state: string) => path.join(ownFixtures, 'non-registry', format, state, files[format]);

  it.each(Object.keys(files))('%s: regionkit 1.0.0 → 1.1.0 from its tarball', async (format) => {
    const { code, stdout } = await run([lock(format, 'base'), lock(format, 'file-bumped')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^regionkit\s+1\.0\.0\s+1\.1\.0\s+file file:vendor\/regionkit-1\.1\.0\.tgz$/m);
    expect(stdout).toContain('1 change(s): 1 updated, 0 added, 0 removed');
  });

  it.each(['npm-v2', 'npm-v3', 'yarn-classic', 'pnpm-v9'])('%s: gitkit moved to another commit', async (format) => {
    const { code, stdout } = await run([lock(format, 'base'), lock(format, 'git-bumped')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^gitkit\s+1\.0\.0 \(git 6d4d74d\)\s+1\.0\.0 \(git 3dd96d2\)\s+git \S*\/srv\/git\/gitkit#3dd96d2\w+$/m);
    expect(stdout).toContain('1 change(s): 1 updated, 0 added, 0 removed');
  });
});

describe('bumpbench diff (table)', () => {
  it('prints an aligned PACKAGE / FROM / TO table and a summary', async () => {
    const { code, stdout, stderr } = await run([webhooks.beforeFile, webhooks.afterFile]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const out = stdout.split('\n');
    const headerIndex = out.findIndex((line) => line.startsWith('PACKAGE'));
    expect(headerIndex).toBeGreaterThanOrEqual(0);
    const header = out[headerIndex];
    const fromColumn = header.indexOf('FROM');
    const toColumn = header.indexOf('TO');
    const whereColumn = header.includes('WHERE') ? header.indexOf('WHERE') : undefined;
    const rows = out.slice(headerIndex + 1, out.indexOf('', headerIndex));
    const expected = lines(webhooks.readText('expected.txt'));
    expect(rows).toHaveLength(expected.length);
    for (const [i, row] of rows.entries()) {
      const [name, from, , to] = expected[i].split(' ');
      expect(row.slice(0, fromColumn).trim()).toBe(name);
      expect(row.slice(fromColumn, toColumn).trim()).toBe(from);
      expect(row.slice(toColumn, whereColumn).trim()).toBe(to);
    }
    const removed = expected.filter((l) => l.endsWith('(none)')).length;
    const added = expected.filter((l) => l.includes(' (none) ->')).length;
    expect(stdout).toContain(`${expected.length} change(s): ${expected.length - removed - added} updated, ${added} added, ${removed} removed`);
  });

  it('pairs the top-level semver with the top-level copy and the nested copies with theirs', async () => {
    const lock = (side: string) => path.join(ownFixtures, 'npm-semver-nested', side, 'package-lock.json');
    const { code, stdout } = await run([lock('before'), lock('after')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^semver\s+7\.3\.8\s+7\.7\.1\s*$/m);
    expect(stdout).toMatch(/^semver\s+6\.3\.0\s+6\.3\.1\s+nested: node_modules\/@babel\/helper-compilation-targets\/node_modules\/semver \(\+2 more\)$/m);
    expect(stdout).not.toMatch(/^semver\s+7\.3\.8\s+6\.3\.1/m);
  });

  it('reads requirements files under any name, by content', async () => {
    const before = path.join(dir, 'base-deps.lock');
    const after = path.join(dir, 'head-deps.lock');
    await writeFile(before, requirements.read('before'));
    await writeFile(after, requirements.read('after'));
    const { code, stdout } = await run([before, after]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^pytest-cov\s+7\.0\.0\s+7\.1\.0$/m);
  });

  it('says so when nothing changed', async () => {
    const { code, stdout } = await run([webhooks.beforeFile, webhooks.beforeFile]);
    expect(code).toBe(0);
    expect(stdout).toContain('No resolved package changed.');
  });
});

describe('bumpbench diff on bad input: exit 2 and one line on stderr', () => {
  const oneLine = (stderr: string) => stderr.trimEnd().split('\n')[0];

  it('a missing file', async () => {
    const missing = path.join(dir, 'nope', 'package-lock.json');
    const { code, stdout, stderr } = await run([webhooks.beforeFile, missing]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`bumpbench diff: ${missing}: no such file\n`);
  });

  it('an unknown format', async () => {
    const manifest = path.join(path.dirname(webhooks.beforeFile), 'package.json');
    const { code, stderr } = await run([manifest, webhooks.afterFile]);
    expect(code).toBe(2);
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(oneLine(stderr)).toMatch(new RegExp(`^bumpbench diff: ${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a lockfile format`));
  });

  it('a corrupt (truncated) lockfile, naming the file and line', async () => {
    const truncated = path.join(dir, 'package-lock.json');
    const text = webhooks.read('after');
    await writeFile(truncated, text.slice(0, text.length / 2));
    const { code, stderr } = await run([webhooks.beforeFile, truncated, '--json']);
    expect(code).toBe(2);
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(stderr).toMatch(new RegExp(`^bumpbench diff: ${truncated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(line \\d+\\): .*truncated`));
  });

  it.each([
    ['no arguments', []],
    ['one file', ['package-lock.json']],
    ['three files', ['a', 'b', 'c']],
    ['an unknown flag', ['a', 'b', '--yaml']],
  ])('%s', async (_what, args) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^bumpbench diff: .+\nusage: bumpbench diff \[BEFORE AFTER\] \[--json\] \[--repo DIR\] \[--base REF\] \[--head REF\]\n$/);
  });

  it('--help prints usage and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: bumpbench diff \[BEFORE AFTER\] \[--json\]/);
  });
});

describe('bumpbench diff notes', () => {
  it('tells the user about -r lines it did not follow', async () => {
    const before = path.join(dir, 'requirements-before.txt');
    const after = path.join(dir, 'requirements-after.txt');
    await writeFile(before, '-r base.txt\nflask==3.0.0\n');
    await writeFile(after, '-r base.txt\nflask==3.0.3\n');
    const { code, stdout } = await run([before, after]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^flask\s+3\.0\.0\s+3\.0\.3$/m);
    expect(stdout).toContain(`note: ${before} line 1: "-r base.txt" is not followed; only this file is read`);
  });
});

describe('bumpbench diff of runtime pins', () => {
  it('lists the pins that differ between two runtime files, and what each side pins', async () => {
    const write = async (side: string, name: string, text: string) => {
      const file = path.join(dir, 'runtime', side, name);
      await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(file), { recursive: true }));
      await writeFile(file, text);
      return file;
    };
    const before = await write('base', '.nvmrc', '20\n');
    const after = await write('head', '.nvmrc', '22\n');
    const json = await run([before, after, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([{ ecosystem: 'runtime', name: 'node', from: '20', to: '22' }]);
    const table = await run([before, after]);
    expect(table.stdout).toMatch(/^node\s+20\s+22$/m);
    expect(table.stdout).toContain(`after: ${after} 22: runs node 22`);

    const pkgBefore = await write('base', 'package.json', JSON.stringify({ engines: { node: '>=18' } }));
    const pkgAfter = await write('head', 'package.json', JSON.stringify({ engines: { node: '22.x' } }));
    const pkg = await run([pkgBefore, pkgAfter]);
    expect(pkg.stdout).toMatch(/^node\s+>=18\s+22\.x\s+engines\.node$/m);
    expect(pkg.stdout).toMatch(/before: .*package\.json engines\.node >=18: pins nothing \(">=18" spans several major versions/);
  });

  it('lists every lockfile and runtime change between two commits', async () => {
    const { createRepo, commitOnBranch } = await import('../helpers/git-repo.ts');
    const repo = createRepo({ 'requirements.txt': 'six==1.15.0\n', '.python-version': '3.11\n', 'Dockerfile': 'FROM python:3.11-slim\n' });
    commitOnBranch(repo, 'bump', { 'requirements.txt': 'six==1.16.0\n', '.python-version': 'pypy3\n', 'Dockerfile': 'FROM pypy:3.10-slim\n' }, 'Move to PyPy');
    const json = await run(['--repo', repo, '--base', 'main', '--head', 'bump', '--json']);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual([
      { ecosystem: 'pypi', name: 'six', from: '1.15.0', to: '1.16.0', scope: 'runtime', direct: true, lockfile: 'requirements.txt' },
      { ecosystem: 'runtime', name: 'python', from: '3.11', to: 'pypy3', scope: 'runtime', direct: true, lockfile: '.python-version' },
      { ecosystem: 'runtime', name: 'python', from: '3.11-slim', to: 'pypy:3.10-slim', scope: 'runtime', direct: true, lockfile: 'Dockerfile' },
    ]);
    const table = await run(['--repo', repo, '--base', 'main', '--head', 'bump']);
    expect(table.stdout).toMatch(/^python\s+3\.11\s+pypy3\s+\.python-version$/m);
    const bad = await run(['--base', 'main']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/give --base and --head/);
  });
});
