// Runtime or dev, direct or transitive: from the lockfile's own flags where it has them (real bumps from the
// shared fixtures), and from the manifest and the dependency graph where it has not (yarn, pnpm 9).
import { describe, expect, it } from 'vitest';
import { changedOnlyInDevParts, manifestRoots } from '../../src/lockfiles/manifests.ts';
import { diffLockfileContents } from '../../src/lockfiles/diff.ts';
import { fixtureCases } from './shared-fixtures.ts';

const fixture = (id: string) => fixtureCases().find((c) => c.id === id)!;
const diffFixture = (id: string) => {
  const f = fixture(id);
  return diffLockfileContents(f.repoPath, f.read('before'), f.read('after'));
};

describe('the lockfile says', () => {
  it('npm 3: a Dependabot bump of dev tooling (octokit/webhooks.js) is dev only, its direct package marked', () => {
    const changes = diffFixture('npm-lockfile-v3/octokit__webhooks.js__73ec1fc5b2');
    expect(changes.length).toBeGreaterThan(50);
    expect(changes.every((c) => c.scope === 'dev')).toBe(true);
    expect(changes.filter((c) => c.direct).length).toBeGreaterThan(0);
  });

  it('npm 2: a bump of a runtime dependency (@actions/github in fetch-metadata) is runtime, and direct at the top level', () => {
    const changes = diffFixture('npm-lockfile-v2/dependabot__fetch-metadata__f36d4a9a6d');
    expect(changes.find((c) => c.name === '@actions/github')).toMatchObject({ scope: 'runtime', direct: true });
    expect(changes.every((c) => c.scope === 'runtime')).toBe(true);
  });

  it('pnpm 9 has no dev flag: the importers and the snapshots graph tell (treeherder: 13 dev, 1 runtime)', () => {
    const changes = diffFixture('pnpm-v9/mozilla__treeherder__f6fa2b6515');
    expect(changes.filter((c) => c.scope === 'dev')).toHaveLength(13);
    expect(changes.filter((c) => c.scope === 'runtime')).toHaveLength(1);
    expect(changes.every((c) => c.direct !== undefined)).toBe(true);
  });

  it('a requirements file named for development is dev; a Pipfile.lock "develop" entry is dev unless "default" has it', () => {
    expect(diffLockfileContents('requirements/dev.txt', 'pytest==8.0.0\n', 'pytest==8.1.0\n')).toEqual([
      expect.objectContaining({ name: 'pytest', scope: 'dev', direct: true }),
    ]);
    expect(diffLockfileContents('requirements.txt', 'flask==3.0.0\n', 'flask==3.0.3\n')).toEqual([expect.objectContaining({ scope: 'runtime' })]);
    const pipfile = (pytest: string, six: string) =>
      JSON.stringify({ _meta: { 'pipfile-spec': 6 }, default: { six: { version: `==${six}` } }, develop: { pytest: { version: `==${pytest}` }, six: { version: `==${six}` } } });
    const changes = diffLockfileContents('Pipfile.lock', pipfile('8.0.0', '1.16.0'), pipfile('8.1.0', '1.17.0'));
    expect(changes.map((c) => [c.name, c.scope])).toEqual([['pytest', 'dev'], ['six', 'runtime']]);
  });
});

describe('the manifest and the graph say (yarn)', () => {
  const lock = (jest: string, ms: string) => `# yarn lockfile v1


express@^4.0.0:
  version "4.18.2"
  dependencies:
    ms "^2.0.0"

jest@^29.0.0:
  version "${jest}"
  dependencies:
    ms "^2.0.0"
    pretty-format "^29.0.0"

ms@^2.0.0:
  version "${ms}"

pretty-format@^29.0.0:
  version "29.7.0"
`;
  const manifest = JSON.stringify({ dependencies: { express: '^4.0.0' }, devDependencies: { jest: '^29.0.0' } });
  const both = { before: manifest, after: manifest };

  it('what only devDependencies reach is dev, what a dependency reaches is runtime (even when dev tools share it)', () => {
    const changes = diffLockfileContents('yarn.lock', lock('29.6.0', '2.1.2'), lock('29.7.0', '2.1.3'), both);
    expect(changes.map((c) => [c.name, c.scope, c.direct])).toEqual([
      ['jest', 'dev', true],
      ['ms', 'runtime', false],
    ]);
  });

  it('without the manifest it cannot tell, and says nothing rather than guess', () => {
    const changes = diffLockfileContents('yarn.lock', lock('29.6.0', '2.1.2'), lock('29.7.0', '2.1.2'));
    expect(changes).toEqual([expect.not.objectContaining({ scope: expect.anything() })]);
  });
});

describe('manifests', () => {
  it('reads the project\'s own lists from package.json, pyproject.toml (PEP 621, PEP 735, Poetry groups) and Pipfile', () => {
    expect(manifestRoots('package.json', JSON.stringify({ dependencies: { a: '1' }, peerDependencies: { p: '1' }, devDependencies: { d: '1' } }))).toEqual({
      runtime: ['a', 'p'], dev: ['d'],
    });
    const pyproject = `[project]
dependencies = ["Flask>=3", "requests[socks] ; python_version > '3.8'"]
[dependency-groups]
test = ["pytest>=8"]
[tool.poetry.dependencies]
python = "^3.11"
Django = "^5"
[tool.poetry.group.lint.dependencies]
ruff = "*"
`;
    expect(manifestRoots('pyproject.toml', pyproject)).toEqual({ runtime: ['flask', 'requests', 'django'], dev: ['pytest', 'ruff'] });
    expect(manifestRoots('Pipfile', '[packages]\nflask = "*"\n[dev-packages]\npytest = "*"\n')).toEqual({ runtime: ['flask'], dev: ['pytest'] });
  });

  it('a manifest changed only in its dev parts, or in anything else', () => {
    const pkg = (dev: string, extra: Record<string, unknown> = {}) => JSON.stringify({ name: 'app', dependencies: { a: '1' }, devDependencies: { jest: dev }, ...extra });
    expect(changedOnlyInDevParts('package.json', pkg('29.6.0'), pkg('29.7.0'))).toBe(true);
    expect(changedOnlyInDevParts('package.json', pkg('29.6.0'), pkg('29.7.0', { scripts: { start: 'node x' } }))).toBe(false);
    expect(changedOnlyInDevParts('package.json', pkg('29.6.0'), '{ not json')).toBe(false);
    const poetry = (ruff: string, django: string) => `[tool.poetry.dependencies]\nDjango = "${django}"\n[tool.poetry.group.dev.dependencies]\nruff = "${ruff}"\n`;
    expect(changedOnlyInDevParts('pyproject.toml', poetry('0.4', '5.0'), poetry('0.5', '5.0'))).toBe(true);
    expect(changedOnlyInDevParts('pyproject.toml', poetry('0.4', '5.0'), poetry('0.4', '5.1'))).toBe(false);
  });
});
