// Corrupt and truncated lockfiles: always a LockfileError that names the file and the line (or key) and
// says what is wrong; never a raw SyntaxError or a hang.
import { describe, expect, it } from 'vitest';
import { diffLockfileContents } from '../../src/lockfiles/diff.ts';
import { LockfileError } from '../../src/lockfiles/errors.ts';
import { parseLockfile } from '../../src/lockfiles/parse.ts';
import { fixtureCases } from './shared-fixtures.ts';

function errorOf(run: () => unknown): LockfileError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LockfileError);
    return error as LockfileError;
  }
  throw new Error('expected a LockfileError, but nothing was thrown');
}

describe('a fixture cut in half', () => {
  // A plain list of pins cut between two lines is itself a valid requirements file: nothing can tell.
  // Everything else (JSON, YAML, TOML, yarn's format, hashed pip-compile output) must be caught.
  const cases = fixtureCases().filter((c) => !(c.format.startsWith('requirements') && !c.read('before').includes('--hash')));

  it.each(cases.map((c) => [c.id, c] as const))('%s is reported with its file name and line', (_id, fixture) => {
    const text = fixture.read('before');
    const half = text.slice(0, Math.floor(text.length / 2));
    const error = errorOf(() => parseLockfile(fixture.repoPath, half));
    expect(error.code).toBe('corrupt');
    expect(error.file).toBe(fixture.repoPath);
    expect(error.message.startsWith(`${fixture.repoPath} (`)).toBe(true);
    expect(error.line).toBeGreaterThan(0);
    expect(error.message).toMatch(/line \d+/);
    expect(error.message).not.toMatch(/\n|at .*\.(ts|js):\d+/);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s cut at a line boundary is still reported', (_id, fixture) => {
    const text = fixture.read('before');
    const cut = text.lastIndexOf('\n', Math.floor(text.length / 2)) + 1;
    const error = errorOf(() => parseLockfile(fixture.repoPath, text.slice(0, cut)));
    expect(error.message).toContain(fixture.repoPath);
  });

  it('is reported by diffLockfileContents too', () => {
    const fixture = cases[0];
    const after = fixture.read('after');
    const error = errorOf(() => diffLockfileContents(fixture.repoPath, fixture.read('before'), after.slice(0, after.length / 3)));
    expect(error.message).toContain(fixture.repoPath);
  });
});

describe('corrupt lockfiles', () => {
  it.each([
    ['package-lock.json', '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {}\n    "node_modules/a": {}\n  }\n}\n', 5, /not valid JSON/],
    ['package-lock.json', '{\n  "name": "x",\n  "packages": {}\n}\n', undefined, /lockfileVersion/],
    ['package-lock.json', '{\n  "lockfileVersion": 1,\n  "dependencies": {\n    "a": { "resolved": "x" }\n  }\n}\n', 4, /"version"/],
    ['Pipfile.lock', '{\n  "_meta": {},\n  "default": {\n    "django": { "version": ">=4" }\n  }\n}\n', 4, /not an exact pin/],
    ['Pipfile.lock', '{\n  "default": {}\n}\n', undefined, /_meta/],
    ['yarn.lock', '# yarn lockfile v1\n\n\na@^1.0.0:\n  version "1.0.0\n  resolved "https://r/a.tgz"\n', 5, /never closed/],
    ['yarn.lock', '# yarn lockfile v1\n\na@^1.0.0:\n  version "1.0.0"\n  dependencies:\n    b "^2.0.0"\n', undefined, /no entry for b/],
    ['yarn.lock', '# yarn lockfile v1\n\n<<<<<<< HEAD\na@^1.0.0:\n  version "1.0.0"\n=======\na@^1.0.0:\n  version "1.0.1"\n>>>>>>> branch\n', 3, /merge conflict/],
    ['yarn.lock', '__metadata:\n  version: 8\n\n"a@npm:^1.0.0":\n  version: 1.0.0\n  resolution: "a@npm:1.0.0"\n', 4, /linkType/],
    ['pnpm-lock.yaml', "lockfileVersion: '9.0'\n\npackages:\n\n  a@1.0.0:\n    engines: {node: '>=18'}\n", 5, /resolution/],
    ['pnpm-lock.yaml', "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\n", undefined, /has no entry/],
    ['pnpm-lock.yaml', 'packages: [unclosed\n', undefined, /not valid YAML/],
    ['poetry.lock', '[[package]]\nname = "a"\nversion = "1.0"\n', 3, /\[metadata\]/],
    ['poetry.lock', '[[package]]\nname = "a"\n\n[metadata]\ncontent-hash = "x"\n', 1, /no "version"/],
    ['uv.lock', 'version = 1\n\n[[package]]\nname = "a"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\ndependencies = [{ name = "b" }]\n', 3, /depends on "b"/],
    ['uv.lock', 'version = 1\n[[package]\nname = "a"\n', 2, /not valid TOML/],
    ['requirements.txt', 'flask==3.0.0 \\\n    --hash=sha256:abc\n', 1, /hex digits/],
    ['requirements.txt', 'flask==3.0.0\nrequests=>2.0\n', 2, /version specifier/],
    ['requirements.txt', 'flask==3.0.0\n!!! not a requirement\n', 2, /cannot read the requirement/],
    ['requirements.txt', 'flask==3.0.0 \\\n    --hash=sha256:' + 'a'.repeat(64) + ' \\\n', 2, /continued line/],
  ])('%s: %j', (file, text, line, problem) => {
    const error = errorOf(() => parseLockfile(file, text));
    expect(error.message.startsWith(file)).toBe(true);
    expect(error.message).toMatch(problem);
    if (line !== undefined) expect(error.line).toBe(line);
    else expect(error.line !== undefined || error.key !== undefined).toBe(true);
  });

  it('reports an unterminated yarn string quickly (the library alone spins for seconds on it)', () => {
    const fixture = fixtureCases().find((c) => c.format === 'yarn-classic')!;
    const text = fixture.read('before');
    const cut = text.indexOf('resolved "', text.length / 2) + 'resolved "https://regis'.length;
    const started = Date.now();
    const error = errorOf(() => parseLockfile('yarn.lock', text.slice(0, cut)));
    expect(error.message).toMatch(/never closed.*truncated/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives unknown formats their own code', () => {
    const error = errorOf(() => parseLockfile('notes.md', '# Notes\n\nNothing here.\n'));
    expect(error.code).toBe('unknown-format');
    expect(error.message).toMatch(/^notes\.md: not a lockfile format/);
  });

  it('says an empty lockfile is empty', () => {
    expect(errorOf(() => parseLockfile('package-lock.json', '')).message).toBe(
      'package-lock.json: the file is empty (expected package-lock.json)',
    );
  });

  it('refuses a package-lock from the future with a clear message', () => {
    const error = errorOf(() => parseLockfile('package-lock.json', '{"lockfileVersion": 4, "packages": {}}'));
    expect(error.message).toMatch(/lockfileVersion 4 is newer/);
  });
});
