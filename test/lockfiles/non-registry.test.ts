// Packages that are not registry releases (file tarballs and folders, git, URLs) are seen with their source,
// and copies of one package are paired where they are installed: on lockfiles the real tools wrote
// (test/fixtures/lockfiles, see its README) and, where a tool cannot write the case here, hand-written ones
// in the shape it writes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffLockfileContents, diffPackageSets, setDiffLines } from '../../src/lockfiles/diff.ts';
import { parseLockfile } from '../../src/lockfiles/parse.ts';
import type { Change } from '../../src/model.ts';
import { repoRoot } from './shared-fixtures.ts';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'lockfiles');
const read = (...parts: string[]) => readFileSync(path.join(fixtures, ...parts), 'utf8');

const formats = [
  { format: 'npm-v1', file: 'package-lock.json' },
  { format: 'npm-v2', file: 'package-lock.json' },
  { format: 'npm-v3', file: 'package-lock.json' },
  { format: 'yarn-classic', file: 'yarn.lock' },
  { format: 'yarn-berry', file: 'yarn.lock' },
  { format: 'pnpm-v6', file: 'pnpm-lock.yaml' },
  { format: 'pnpm-v9', file: 'pnpm-lock.yaml' },
] as const;

function diffState(format: string, file: string, state: string): Change[] {
  return diffPackageSets(
    parseLockfile(file, read('non-registry', format, 'base', file)).packages,
    parseLockfile(file, read('non-registry', format, state, file)).packages,
  );
}

/** The fields that say what changed, without the install paths (those are checked on their own). */
const essence = ({ ecosystem, name, from, to, source }: Change) => ({ ecosystem, name, from, to, source });

describe('a file: tarball dependency 1.0.0 → 1.1.0, and nothing else', () => {
  it.each(formats.filter((f) => f.format !== 'npm-v1'))('$format reports it with its source', ({ format, file }) => {
    expect(diffState(format, file, 'file-bumped').map(essence)).toEqual([
      {
        ecosystem: 'npm', name: 'regionkit', from: '1.0.0', to: '1.1.0',
        source: {
          from: { kind: 'file', spec: 'file:vendor/regionkit-1.0.0.tgz' },
          to: { kind: 'file', spec: 'file:vendor/regionkit-1.1.0.tgz' },
        },
      },
    ]);
  });

  it('npm-v1 records no version for it: the specs stand for the versions', () => {
    expect(diffState('npm-v1', 'package-lock.json', 'file-bumped')).toEqual([
      {
        ecosystem: 'npm', name: 'regionkit', from: 'file:vendor/regionkit-1.0.0.tgz', to: 'file:vendor/regionkit-1.1.0.tgz',
        locations: ['node_modules/regionkit'],
        // v1 marks dev entries too (none here); whether the project lists it is package.json's to say.
        scope: 'runtime',
        source: {
          from: { kind: 'file', spec: 'file:vendor/regionkit-1.0.0.tgz' },
          to: { kind: 'file', spec: 'file:vendor/regionkit-1.1.0.tgz' },
        },
      },
    ]);
  });

  it('is not in the registry set difference (expected_setdiff.txt stays about registry releases)', () => {
    const before = parseLockfile('package-lock.json', read('non-registry', 'npm-v3', 'base', 'package-lock.json')).packages;
    const after = parseLockfile('package-lock.json', read('non-registry', 'npm-v3', 'file-bumped', 'package-lock.json')).packages;
    expect(setDiffLines(before, after)).toEqual([]);
  });
});

describe('a git dependency moved to another commit (its version stays 1.0.0)', () => {
  const commitA = '6d4d74de0107a062e5935d7b0948defb2f9bacd9';
  const commitB = '3dd96d293883aa92aef4200f048bb0c2f20ebc5d';

  it.each(formats.filter((f) => ['npm-v2', 'npm-v3', 'yarn-classic'].includes(f.format)))('$format reports the commits', ({ format, file }) => {
    const changes = diffState(format, file, 'git-bumped');
    expect(changes.map(essence)).toEqual([
      {
        ecosystem: 'npm', name: 'gitkit', from: '1.0.0', to: '1.0.0',
        source: {
          from: { kind: 'git', spec: `git+file:///srv/git/gitkit#${commitA}`, commit: commitA },
          to: { kind: 'git', spec: `git+file:///srv/git/gitkit#${commitB}`, commit: commitB },
        },
      },
    ]);
  });

  it('pnpm-v9 reads the commit from the git resolution', () => {
    expect(diffState('pnpm-v9', 'pnpm-lock.yaml', 'git-bumped').map(essence)).toEqual([
      {
        ecosystem: 'npm', name: 'gitkit', from: '1.0.0', to: '1.0.0',
        source: {
          from: { kind: 'git', spec: `git+file:///srv/git/gitkit#${commitA}`, commit: commitA },
          to: { kind: 'git', spec: `git+file:///srv/git/gitkit#${commitB}`, commit: commitB },
        },
      },
    ]);
  });

  it('npm-v1 records no version: the commits stand for it', () => {
    expect(diffState('npm-v1', 'package-lock.json', 'git-bumped').map(({ from, to }) => [from, to])).toEqual([[commitA, commitB]]);
  });

  it('yarn berry (hand-written in its GitHub shape) reports the commit', () => {
    const berry = (commit: string) => `__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    gitkit: "github:acme/gitkit#${commit}"
  languageName: unknown
  linkType: soft

"gitkit@github:acme/gitkit#${commit}":
  version: 1.0.0
  resolution: "gitkit@https://github.com/acme/gitkit.git#commit=${commit}"
  checksum: 10c0/0a3b
  languageName: node
  linkType: hard
`;
    expect(diffLockfileContents('yarn.lock', berry(commitA), berry(commitB)).map(essence)).toEqual([
      {
        ecosystem: 'npm', name: 'gitkit', from: '1.0.0', to: '1.0.0',
        source: {
          from: { kind: 'git', spec: `https://github.com/acme/gitkit.git#commit=${commitA}`, commit: commitA },
          to: { kind: 'git', spec: `https://github.com/acme/gitkit.git#commit=${commitB}`, commit: commitB },
        },
      },
    ]);
  });

  it('pnpm 6.0 (hand-written in its GitHub shape: keyed by host/owner/repo/commit) reports the commit', () => {
    const pnpm6 = (commit: string) => `lockfileVersion: '6.0'

dependencies:
  gitkit:
    specifier: github:acme/gitkit#${commit}
    version: github.com/acme/gitkit/${commit}

packages:

  github.com/acme/gitkit/${commit}:
    resolution: {tarball: https://codeload.github.com/acme/gitkit/tar.gz/${commit}}
    name: gitkit
    version: 1.0.0
    dev: false
`;
    const changes = diffLockfileContents('pnpm-lock.yaml', pnpm6(commitA), pnpm6(commitB));
    expect(changes.map(({ name, from, to, source }) => ({ name, from, to, commits: [source?.from?.commit, source?.to?.commit] }))).toEqual([
      { name: 'gitkit', from: '1.0.0', to: '1.0.0', commits: [commitA, commitB] },
    ]);
    expect(changes[0].source?.to?.kind).toBe('git');
  });
});

describe('a file: folder dependency 1.0.0 → 1.1.0', () => {
  it.each(formats.filter((f) => ['npm-v2', 'npm-v3', 'yarn-classic', 'yarn-berry'].includes(f.format)))('$format reports it', ({ format, file }) => {
    expect(diffState(format, file, 'folder-bumped').map(({ name, from, to, source }) => ({ name, from, to, kind: source?.to?.kind }))).toEqual([
      { name: 'localkit', from: '1.0.0', to: '1.1.0', kind: 'directory' },
    ]);
  });

  it.each(['npm-v1', 'pnpm-v6', 'pnpm-v9'])('%s records no folder version, so there is nothing to report', (format) => {
    const file = format.startsWith('npm') ? 'package-lock.json' : 'pnpm-lock.yaml';
    expect(diffState(format, file, 'folder-bumped')).toEqual([]);
  });
});

describe('workspace members are the project, not dependencies', () => {
  it('package-lock: a link to a folder matched by the root "workspaces" is left out, other links are folders', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', workspaces: ['packages/*'] },
        'packages/ui': { name: '@app/ui', version: '0.1.0' },
        'node_modules/@app/ui': { resolved: 'packages/ui', link: true },
        'tools/lint': { name: 'lint-rules', version: '2.0.0' },
        'node_modules/lint-rules': { resolved: 'tools/lint', link: true },
      },
    };
    expect(parseLockfile('package-lock.json', JSON.stringify(lock)).packages).toEqual([
      { ecosystem: 'npm', name: 'lint-rules', version: '2.0.0', source: { kind: 'directory', spec: 'file:tools/lint' }, location: 'node_modules/lint-rules', dev: false },
    ]);
  });
});

describe('copies of one package are paired by install location', () => {
  const before = read('npm-semver-nested', 'before', 'package-lock.json');
  const after = read('npm-semver-nested', 'after', 'package-lock.json');

  it('the top-level copy with the top-level copy, the nested copies with their own: never 7.3.8 → 6.3.1', () => {
    const semver = diffLockfileContents('package-lock.json', before, after).filter((c) => c.name === 'semver');
    expect(semver).toEqual([
      {
        ecosystem: 'npm', name: 'semver', from: '6.3.0', to: '6.3.1', lockfile: 'package-lock.json',
        locations: [
          'node_modules/@babel/helper-compilation-targets/node_modules/semver',
          'node_modules/make-dir/node_modules/semver',
          // A new copy at the version the others moved to is part of that one change.
          'node_modules/@babel/core/node_modules/@babel/helper-compilation-targets/node_modules/semver',
        ],
        // Nested copies come with other packages; the top-level one is the project's own (its package.json lists semver).
        scope: 'runtime', direct: false,
      },
      { ecosystem: 'npm', name: 'semver', from: '7.3.8', to: '7.7.1', lockfile: 'package-lock.json', locations: ['node_modules/semver'], scope: 'runtime', direct: true },
    ]);
  });

  it('where the version sets alone pair 7.3.8 with 6.3.1 (6.3.0 stays installed, 7.7.1 already was)', () => {
    const lines = setDiffLines(parseLockfile('package-lock.json', before).packages, parseLockfile('package-lock.json', after).packages);
    expect(lines.filter((line) => line.includes(' semver@'))).toEqual(['- semver@7.3.8', '+ semver@6.3.1']);
  });

  it('a copy that only moved (hoisted, deduped) is no change; a removed copy is', () => {
    const lock = (packages: Record<string, string>) =>
      JSON.stringify({
        lockfileVersion: 3,
        packages: { '': { name: 'app' }, ...Object.fromEntries(Object.entries(packages).map(([p, version]) => [p, { version }])) },
      });
    const changes = diffLockfileContents(
      'package-lock.json',
      lock({ 'node_modules/a': '1.0.0', 'node_modules/b/node_modules/x': '2.0.0', 'node_modules/x': '1.0.0', 'node_modules/c/node_modules/y': '1.0.0' }),
      lock({ 'node_modules/a': '1.0.0', 'node_modules/x': '2.0.0' }),
    );
    expect(changes.map(({ name, from, to, locations }) => ({ name, from, to, locations }))).toEqual([
      { name: 'x', from: '1.0.0', to: '2.0.0', locations: ['node_modules/x'] },
      { name: 'y', from: '1.0.0', to: null, locations: ['node_modules/c/node_modules/y'] },
    ]);
  });
});

describe('formats without install paths pair by what selected an entry', () => {
  // The project asks for x ^1.0.0 (locked long ago at 1.1.0), a dependency for x ~1.2.0. After the bump
  // they hold 1.3.0 and 1.2.9. By version alone 1.1.0 would pair with 1.2.9 and 1.2.0 with 1.3.0.
  const expected = ['1.1.0 → 1.3.0', '1.2.0 → 1.2.9'];

  it('yarn classic: by the descriptor that selected each entry', () => {
    const yarn = (own: string, theirs: string) => `# yarn lockfile v1


lib@^2.0.0:
  version "2.0.0"
  resolved "https://registry.yarnpkg.com/lib/-/lib-2.0.0.tgz#415e967046b3a7f1d185277d84aa58203726a13f"
  dependencies:
    x "~1.2.0"

x@^1.0.0:
  version "${own}"
  resolved "https://registry.yarnpkg.com/x/-/x-${own}.tgz"

x@~1.2.0:
  version "${theirs}"
  resolved "https://registry.yarnpkg.com/x/-/x-${theirs}.tgz"
`;
    const changes = diffLockfileContents('yarn.lock', yarn('1.1.0', '1.2.0'), yarn('1.3.0', '1.2.9'));
    expect(changes.map(({ from, to }) => `${from} → ${to}`)).toEqual(expected);
  });

  it('yarn berry: by the descriptor that selected each entry', () => {
    const berry = (own: string, theirs: string) => `__metadata:
  version: 8
  cacheKey: 10c0

"lib@npm:^2.0.0":
  version: 2.0.0
  resolution: "lib@npm:2.0.0"
  dependencies:
    x: "npm:~1.2.0"
  languageName: node
  linkType: hard

"x@npm:^1.0.0":
  version: ${own}
  resolution: "x@npm:${own}"
  languageName: node
  linkType: hard

"x@npm:~1.2.0":
  version: ${theirs}
  resolution: "x@npm:${theirs}"
  languageName: node
  linkType: hard
`;
    const changes = diffLockfileContents('yarn.lock', berry('1.1.0', '1.2.0'), berry('1.3.0', '1.2.9'));
    expect(changes.map(({ from, to }) => `${from} → ${to}`)).toEqual(expected);
  });

  it('pnpm: by who depends on each entry (the project, or lib)', () => {
    const pnpm = (own: string, theirs: string) => `lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      lib:
        specifier: ^2.0.0
        version: 2.0.0
      x:
        specifier: ^1.0.0
        version: ${own}

packages:

  lib@2.0.0:
    resolution: {integrity: sha512-l}

  x@${own}:
    resolution: {integrity: sha512-o}

  x@${theirs}:
    resolution: {integrity: sha512-t}

snapshots:

  lib@2.0.0:
    dependencies:
      x: ${theirs}

  x@${own}: {}

  x@${theirs}: {}
`;
    const changes = diffLockfileContents('pnpm-lock.yaml', pnpm('1.1.0', '1.2.0'), pnpm('1.3.0', '1.2.9'));
    expect(changes.map(({ from, to }) => `${from} → ${to}`)).toEqual(expected);
  });
});

describe('Python direct references', () => {
  it('requirements: "name @ file:///…" (version from the sdist name) and "name @ git+https://…@<sha>"', () => {
    const text = (version: string, commit: string) =>
      [
        `regionkit @ file:///srv/vendor/regionkit-${version}.tar.gz`,
        `gitkit @ git+https://github.com/acme/gitkit.git@${commit}`,
        'wheelkit @ https://files.example.com/wheelkit-2.0.0-py3-none-any.whl ; python_version >= "3.9"',
        'requests==2.32.3',
        '',
      ].join('\n');
    const a = '1'.repeat(40);
    const b = '2'.repeat(40);
    const parsed = parseLockfile('requirements.txt', text('1.0.0', a)).packages;
    expect(parsed.find((p) => p.name === 'wheelkit')).toEqual({
      ecosystem: 'pypi', name: 'wheelkit', version: '2.0.0', source: { kind: 'url', spec: 'https://files.example.com/wheelkit-2.0.0-py3-none-any.whl' },
      dev: false, direct: true,
    });
    expect(diffLockfileContents('requirements.txt', text('1.0.0', a), text('1.1.0', b)).map(({ name, from, to, source }) => [name, from, to, source?.to?.kind])).toEqual([
      ['gitkit', a, b, 'git'],
      ['regionkit', '1.0.0', '1.1.0', 'file'],
    ]);
  });

  it('poetry.lock: a git source changes its resolved_reference', () => {
    const text = (commit: string) => `[[package]]
name = "gitkit"
version = "1.0.0"
description = ""
optional = false
python-versions = "*"
files = []
develop = false

[package.source]
type = "git"
url = "https://github.com/acme/gitkit.git"
reference = "main"
resolved_reference = "${commit}"

[metadata]
lock-version = "2.0"
python-versions = "^3.11"
content-hash = "abc"
`;
    const [change] = diffLockfileContents('poetry.lock', text('a'.repeat(40)), text('b'.repeat(40)));
    expect(change).toMatchObject({ name: 'gitkit', from: '1.0.0', to: '1.0.0', source: { to: { kind: 'git', commit: 'b'.repeat(40) } } });
  });

  it('uv.lock: path, directory, git and url sources; the project (editable, virtual) is left out', () => {
    const text = `version = 1
requires-python = ">=3.12"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "member"
version = "0.1.0"
source = { virtual = "packages/member" }

[[package]]
name = "regionkit"
version = "1.1.0"
source = { path = "vendor/regionkit-1.1.0.tar.gz" }

[[package]]
name = "localkit"
version = "0.2.0"
source = { directory = "libs/localkit" }

[[package]]
name = "gitkit"
version = "1.0.0"
source = { git = "https://github.com/acme/gitkit?rev=main#${'c'.repeat(40)}" }

[[package]]
name = "urlkit"
version = "3.0.0"
source = { url = "https://files.example.com/urlkit-3.0.0.tar.gz" }
`;
    expect(parseLockfile('uv.lock', text).packages.map(({ name, version, source }) => [name, version, source?.kind, source?.commit])).toEqual([
      ['regionkit', '1.1.0', 'file', undefined],
      ['localkit', '0.2.0', 'directory', undefined],
      ['gitkit', '1.0.0', 'git', 'c'.repeat(40)],
      ['urlkit', '3.0.0', 'url', undefined],
    ]);
  });

  it('Pipfile.lock: git with its ref, and a file URL; editable paths are the project', () => {
    const lock = {
      _meta: { hash: { sha256: 'x' }, 'pipfile-spec': 6 },
      default: {
        gitkit: { git: 'https://github.com/acme/gitkit.git', ref: 'd'.repeat(40) },
        regionkit: { file: 'https://files.example.com/regionkit-1.1.0.tar.gz' },
        app: { editable: true, path: '.' },
      },
    };
    expect(parseLockfile('Pipfile.lock', JSON.stringify(lock)).packages.map(({ name, version, source }) => [name, version, source?.kind])).toEqual([
      ['gitkit', 'd'.repeat(40), 'git'],
      ['regionkit', '1.1.0', 'url'],
    ]);
  });
});
