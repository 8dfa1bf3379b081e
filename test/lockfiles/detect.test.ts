// Format detection: by file name first, by content when the name says nothing.
import { describe, expect, it } from 'vitest';
import { detectFromContent, detectFromPath, detectLockfile, isLockfilePath } from '../../src/lockfiles/detect.ts';
import { parseLockfile } from '../../src/lockfiles/parse.ts';
import { fixtureCases, kindOfFormat } from './shared-fixtures.ts';

describe('detectFromPath', () => {
  it.each([
    ['package-lock.json', 'npm'],
    ['packages/artifact/package-lock.json', 'npm'],
    ['npm-shrinkwrap.json', 'npm'],
    ['yarn.lock', 'yarn'],
    ['website/yarn.lock', 'yarn'],
    ['pnpm-lock.yaml', 'pnpm'],
    ['requirements.txt', 'requirements'],
    ['python/helpers/requirements.txt', 'requirements'],
    ['requirements-dev.txt', 'requirements'],
    ['dev-requirements.txt', 'requirements'],
    ['constraints.txt', 'requirements'],
    ['requirements/dev.txt', 'requirements'],
    ['backend/requirements/prod.txt', 'requirements'],
    ['C:\\repo\\requirements\\dev.txt', 'requirements'],
    ['poetry.lock', 'poetry'],
    ['backend/poetry.lock', 'poetry'],
    ['Pipfile.lock', 'pipenv'],
    ['uv.lock', 'uv'],
  ])('%s → %s', (path, kind) => {
    expect(detectFromPath(path)).toBe(kind);
  });

  it.each(['package.json', 'Pipfile', 'pyproject.toml', 'requirements.in', 'docs/notes.txt', 'deps.lock', 'yarn.lock.bak', 'README.md'])(
    '%s is not a lockfile by name',
    (path) => {
      expect(detectFromPath(path)).toBeNull();
    },
  );
});

describe('isLockfilePath (does this PR change a lockfile?)', () => {
  it('accepts lockfile paths and rejects manifests and other files', () => {
    const changed = ['src/index.ts', 'package.json', 'package-lock.json', 'requirements/dev.in', 'requirements/dev.txt', 'dist/index.js'];
    expect(changed.filter(isLockfilePath)).toEqual(['package-lock.json', 'requirements/dev.txt']);
  });
});

describe('detection from content', () => {
  const cases = fixtureCases();

  it.each(cases.map((c) => [c.id, c] as const))('%s is recognised from its content alone', (_id, fixture) => {
    expect(detectFromContent(fixture.read('before'))).toBe(kindOfFormat(fixture.format));
  });

  it('reads a requirements file called deps.lock', () => {
    const text = 'flask==3.0.0 \\\n    --hash=sha256:' + 'a'.repeat(64) + '\n# via -r deps.in\nWerkzeug==3.0.1\n';
    expect(detectLockfile('deps.lock', text)).toBe('requirements');
    expect(parseLockfile('deps.lock', text).packages).toEqual([
      // pip-compile's "# via -r" marks flask as asked for; werkzeug has no "# via", so it is not known.
      { ecosystem: 'pypi', name: 'flask', version: '3.0.0', dev: false, direct: true },
      { ecosystem: 'pypi', name: 'werkzeug', version: '3.0.1', dev: false },
    ]);
  });

  it('reads a package-lock saved under another name', () => {
    const fixture = cases.find((c) => c.format === 'npm-lockfile-v3');
    expect(fixture).toBeDefined();
    const text = fixture!.read('before');
    expect(detectLockfile('base-lock.json', text)).toBe('npm');
    expect(parseLockfile('base-lock.json', text).packages).toEqual(parseLockfile('package-lock.json', text).packages);
  });

  it('still detects with CRLF line endings and a BOM', () => {
    const text = '\uFEFF# yarn lockfile v1\r\n\r\n\r\nleft-pad@^1.3.0:\r\n  version "1.3.0"\r\n';
    expect(detectFromContent(text)).toBe('yarn');
    expect(parseLockfile('old.lock', text).packages).toEqual([{ ecosystem: 'npm', name: 'left-pad', version: '1.3.0', selectedBy: ['left-pad@^1.3.0'] }]);
  });

  it.each([
    ['a manifest', '{ "name": "app", "version": "1.0.0", "dependencies": { "x": "^1" } }'],
    ['prose', 'These are the release notes.\nNothing to see here: move along.\n'],
    ['a Pipfile', '[packages]\nrequests = "*"\n'],
    ['an empty file', ''],
    ['unpinned requirements only', 'requests>=2\nflask\n'],
  ])('does not mistake %s for a lockfile', (_what, text) => {
    expect(detectFromContent(text)).toBeNull();
  });
});
