// Hints from real Dependabot and Renovate messages (the shared fixtures' message.txt), compared with what
// the lockfile says.
import { describe, expect, it } from 'vitest';
import { compareHints, parseBumpMessage } from '../../src/lockfiles/bump-message.ts';
import { diffPackageSets } from '../../src/lockfiles/diff.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { diffLockfileContents } from '../../src/lockfiles/diff.ts';
import { parseLockfile } from '../../src/lockfiles/parse.ts';
import type { Change } from '../../src/model.ts';
import { fixtureCases, repoRoot, type FixtureCase } from './shared-fixtures.ts';

const cases = fixtureCases();
const fixture = (id: string): FixtureCase => {
  const found = cases.find((c) => c.id.endsWith(id));
  if (!found) throw new Error(`no shared fixture ${id}`);
  return found;
};
const hintsOf = (id: string) => parseBumpMessage(fixture(id).readText('message.txt'));
const changesOf = (f: FixtureCase): Change[] =>
  diffPackageSets(parseLockfile(f.repoPath, f.read('before')).packages, parseLockfile(f.repoPath, f.read('after')).packages);

describe('parseBumpMessage on real messages', () => {
  it('Dependabot title: "fix(deps): bump probot from 11.4.1 to 12.0.0 (#462)"', () => {
    expect(hintsOf('probot__settings__967076e2ff')).toEqual([{ name: 'probot', from: '11.4.1', to: '12.0.0', source: 'title' }]);
  });

  it('Dependabot title with a directory: "bump fastapi from 0.104.1 to 0.109.1 in /backend"', () => {
    expect(hintsOf('nyrkio__nyrkio__0a8e87f5a3')).toEqual([
      { name: 'fastapi', from: '0.104.1', to: '0.109.1', directory: '/backend', source: 'title' },
    ]);
  });

  it('Dependabot "[Security] Bump django ..." title', () => {
    expect(hintsOf('mozilla__network-pulse-api__ed34a89dfd')).toEqual([
      { name: 'django', from: '1.11.22', to: '1.11.23', source: 'title' },
    ]);
  });

  it('Dependabot grouped update: the "Updates `x` from a to b" lines', () => {
    expect(hintsOf('dependabot__fetch-metadata__f36d4a9a6d')).toEqual([
      { name: '@actions/core', from: '1.10.0', to: '1.11.1', source: 'body' },
      { name: '@actions/github', from: '5.1.1', to: '6.0.0', source: 'body' },
    ]);
  });

  it('Dependabot grouped update with a | Package | From | To | table: eight packages', () => {
    const hints = hintsOf('actions__toolkit__2dcf8ccf4e');
    expect(hints.map((h) => `${h.name} ${h.from} ${h.to}`)).toEqual([
      '@actions/core 3.0.0 3.0.1',
      '@actions/github 9.0.0 9.1.1',
      '@actions/http-client 4.0.0 4.0.1',
      '@azure/storage-blob 12.30.0 12.31.0',
      '@octokit/plugin-retry 8.0.3 8.1.0',
      '@octokit/request 10.0.7 10.0.8',
      'typedoc 0.28.16 0.28.19',
      'typedoc-plugin-markdown 4.9.0 4.11.0',
    ]);
  });

  it('the body wins over a stale trailer version (pip 26.1.2 in the body, 25.0.1 in the trailer)', () => {
    expect(hintsOf('dependabot__dependabot-core__4072ae7af3')).toEqual([{ name: 'pip', from: '26.1.1', to: '26.1.2', source: 'body' }]);
  });

  it('only an updated-dependencies trailer: names and new versions', () => {
    expect(hintsOf('mozilla-services__telescope__11545125a8')).toEqual([
      { name: 'aiohttp', from: null, to: '3.12.13', source: 'trailer' },
      { name: 'sentry-sdk', from: null, to: '2.30.0', source: 'trailer' },
      { name: 'pytest-cov', from: null, to: '6.2.1', source: 'trailer' },
      { name: 'types-requests', from: null, to: '2.32.4.20250611', source: 'trailer' },
      { name: 'cryptography', from: null, to: '45.0.4', source: 'trailer' },
    ]);
  });

  it('a long HTML body wrapping "from 45.0.4\\nto 46.0.5" across lines', () => {
    const message = fixture('googleapis__repo-automation-bots__717a6128b9').readText('message.txt');
    const body = message.split('\n').slice(1).join('\n');
    expect(parseBumpMessage({ body })).toEqual([{ name: 'cryptography', from: '45.0.4', to: '46.0.5', source: 'body' }]);
  });

  it('Renovate: "update dependency semantic-release to v24"', () => {
    expect(hintsOf('probot__create-probot-app__65b86cb0d2')).toEqual([{ name: 'semantic-release', from: null, to: '24', source: 'title' }]);
  });

  it('Renovate monorepo title and its | datasource | package | from | to | table', () => {
    expect(hintsOf('renovatebot__github-action__34e6b8d22e')).toEqual([
      { name: 'commitlint', from: null, to: '19', group: true, source: 'title' },
      { name: '@commitlint/cli', from: '18.6.1', to: '19.3.0', source: 'table' },
      { name: '@commitlint/config-conventional', from: '18.6.3', to: '19.2.2', source: 'table' },
    ]);
  });

  it('Renovate group titles without "dependency"', () => {
    expect(hintsOf('prettier__prettier__ca4a508bdb')).toEqual([
      { name: 'typescript-eslint', from: null, to: '8.64.0', group: true, source: 'title' },
    ]);
    expect(hintsOf('renovatebot__renovate__4563af9938')).toEqual([
      { name: 'aws-sdk-js-v3', from: null, to: '3.563.0', group: true, source: 'title' },
    ]);
  });

  it('a commit with no bump in it gives no hints', () => {
    expect(parseBumpMessage('Fix the flaky test\n\nIt waited for the wrong event.')).toEqual([]);
  });
});

describe('parseBumpMessage on Renovate PR bodies', () => {
  const body = [
    'This PR contains the following updates:',
    '',
    '| Package | Change | Age | Confidence |',
    '|---|---|---|---|',
    '| [vitest](https://vitest.dev) ([source](https://github.com/vitest-dev/vitest)) | [`3.2.4` -> `4.0.5`](https://renovatebot.com/diffs/npm/vitest/3.2.4/4.0.5) | ![age](https://x) | ![confidence](https://y) |',
    '| [@vitest/coverage-v8](https://github.com/vitest-dev/vitest) | [`^3.2.4` → `^4.0.5`](https://renovatebot.com/diffs/npm/@vitest%2fcoverage-v8/3.2.4/4.0.5) | | |',
    '| `left-pad` | `1.2.0` -> `1.3.0` | | |',
    '',
    '---',
  ].join('\n');

  it('reads the | Package | Change | table with -> and →', () => {
    expect(parseBumpMessage({ title: 'Update vitest monorepo to v4 (major)', body })).toEqual([
      { name: 'vitest', from: null, to: '4', group: true, source: 'title' },
      { name: 'vitest', from: '3.2.4', to: '4.0.5', source: 'table' },
      { name: '@vitest/coverage-v8', from: '3.2.4', to: '4.0.5', source: 'table' },
      { name: 'left-pad', from: '1.2.0', to: '1.3.0', source: 'table' },
    ]);
  });

  it('reads "Update dependency x to v2.3.4 (minor)"', () => {
    expect(parseBumpMessage({ title: 'chore(deps): update dependency @types/node to v20.19.43 (patch)' })).toEqual([
      { name: '@types/node', from: null, to: '20.19.43', source: 'title' },
    ]);
  });
});

describe('compareHints', () => {
  it('agrees with the lockfile for every real message but the stale one', () => {
    for (const c of cases) {
      const disagreements = compareHints(parseBumpMessage(c.readText('message.txt')), changesOf(c));
      if (c.id.endsWith('dependabot__fetch-metadata__f36d4a9a6d')) continue;
      expect(disagreements, c.id).toEqual([]);
    }
  });

  it('reports the stale version of fetch-metadata: message 6.0.0, lockfile 6.0.1', () => {
    const f = fixture('dependabot__fetch-metadata__f36d4a9a6d');
    const disagreements = compareHints(parseBumpMessage(f.readText('message.txt')), changesOf(f));
    expect(disagreements).toHaveLength(1);
    expect(disagreements[0].kind).toBe('version-differs');
    expect(disagreements[0].hint.name).toBe('@actions/github');
    expect(disagreements[0].changes).toEqual([
      { ecosystem: 'npm', name: '@actions/github', from: '5.1.1', to: '6.0.1', locations: ['node_modules/@actions/github'], scope: 'runtime' },
    ]);
    expect(disagreements[0].message).toBe(
      'The message says @actions/github 5.1.1 → 6.0.0, but the lockfile says @actions/github 5.1.1 → 6.0.1.',
    );
  });

  it('reports a package the message mentions that the lockfile does not change', () => {
    const changes: Change[] = [{ ecosystem: 'pypi', name: 'requests', from: '2.32.3', to: '2.32.4' }];
    const disagreements = compareHints(parseBumpMessage('Bump urllib3 from 2.2.0 to 2.2.1'), changes);
    expect(disagreements.map((d) => [d.kind, d.message])).toEqual([
      ['not-in-lockfile', 'The message mentions urllib3 2.2.0 → 2.2.1, but the lockfile does not change urllib3.'],
    ]);
  });

  it('does not mind lockfile changes the message leaves out, and matches PyPI names PEP 503-style', () => {
    const changes: Change[] = [
      { ecosystem: 'pypi', name: 'typing-extensions', from: '4.10.0', to: '4.12.2' },
      { ecosystem: 'pypi', name: 'sqlparse', from: '0.5.0', to: '0.5.1' },
    ];
    expect(compareHints(parseBumpMessage('Bump typing_extensions from 4.10.0 to 4.12.2'), changes)).toEqual([]);
  });

  it('checks a group by its version: a monorepo that moved elsewhere is reported', () => {
    const changes: Change[] = [{ ecosystem: 'npm', name: '@vitest/expect', from: '3.2.4', to: '3.2.5' }];
    const [disagreement] = compareHints(parseBumpMessage('chore(deps): update vitest monorepo to v4 (major)'), changes);
    expect(disagreement.kind).toBe('version-differs');
    expect(disagreement.message).toBe('The message says the vitest group → 4, but the lockfile says @vitest/expect 3.2.4 → 3.2.5.');
  });
});

describe('bump messages about packages that are not from a registry', () => {
  const lock = (format: string, state: string, file: string) =>
    readFileSync(path.join(repoRoot, 'test', 'fixtures', 'lockfiles', 'non-registry', format, state, file), 'utf8');
  const changesOf = (format: string, state: string, file: string) => diffLockfileContents(file, lock(format, 'base', file), lock(format, state, file));

  it.each([
    ['npm-v3', 'package-lock.json'],
    ['yarn-classic', 'yarn.lock'],
    ['yarn-berry', 'yarn.lock'],
    ['pnpm-v9', 'pnpm-lock.yaml'],
  ])('%s: "Bump regionkit from 1.0.0 to 1.1.0" agrees with a file: tarball change', (format, file) => {
    expect(compareHints(parseBumpMessage('Bump regionkit from 1.0.0 to 1.1.0'), changesOf(format, 'file-bumped', file))).toEqual([]);
  });

  it('package-lock v1 records only the tarball spec: a version the spec names agrees, another does not', () => {
    const changes = changesOf('npm-v1', 'file-bumped', 'package-lock.json');
    expect(compareHints(parseBumpMessage('Bump regionkit from 1.0.0 to 1.1.0'), changes)).toEqual([]);
    expect(compareHints(parseBumpMessage('Bump regionkit from 1.0.0 to 1.1'), changes).map((d) => d.kind)).toEqual(['version-differs']);
  });

  it('reads a git dependency\'s commits from a Dependabot title and agrees with the locked commits', () => {
    const hints = parseBumpMessage('Bump gitkit from `6d4d74d` to `3dd96d2`');
    expect(hints).toEqual([{ name: 'gitkit', from: '6d4d74d', to: '3dd96d2', source: 'title' }]);
    expect(compareHints(hints, changesOf('npm-v3', 'git-bumped', 'package-lock.json'))).toEqual([]);
    expect(compareHints(parseBumpMessage('bump gitkit from 6d4d74de0107a062e5935d7b0948defb2f9bacd9 to 3dd96d293883aa92aef4200f048bb0c2f20ebc5d'), changesOf('npm-v1', 'git-bumped', 'package-lock.json'))).toEqual([]);
  });

  it('names the commits when a git dependency moved elsewhere than the message says', () => {
    const [disagreement] = compareHints(parseBumpMessage('Bump gitkit from `6d4d74d` to `abcdef0`'), changesOf('yarn-classic', 'git-bumped', 'yarn.lock'));
    expect(disagreement.message).toBe(
      'The message says gitkit 6d4d74d → abcdef0, but the lockfile says gitkit 1.0.0 (git 6d4d74d) → 1.0.0 (git 3dd96d2).',
    );
  });
});
