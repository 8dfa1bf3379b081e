// Every shared real-world bump must produce exactly its ground truth: the set difference of resolved
// name@version pairs (expected_setdiff.txt), and the same difference paired into from → to (expected.txt).
import { describe, expect, it } from 'vitest';
import { diffLockfileContents, diffPackageSets, setDiffLines } from '../../src/lockfiles/diff.ts';
import { parseLockfile, type ParsedLockfile } from '../../src/lockfiles/parse.ts';
import { fixtureCases, kindOfFormat, lines } from './shared-fixtures.ts';

const cases = fixtureCases();

describe('shared lockfile fixtures', () => {
  it('finds the fixture folders', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  describe.each(cases.map((c) => [c.id, c] as const))('%s', (_id, fixture) => {
    // Parsed inside the tests (once), so a parser failure fails this folder's tests, not the whole file.
    let parsed: { before: ParsedLockfile; after: ParsedLockfile } | undefined;
    const sides = () =>
      (parsed ??= {
        before: parseLockfile(fixture.repoPath, fixture.read('before')),
        after: parseLockfile(fixture.repoPath, fixture.read('after')),
      });

    it('is read by the parser for its format', () => {
      const { before, after } = sides();
      expect(before.kind).toBe(kindOfFormat(fixture.format));
      expect(after.kind).toBe(kindOfFormat(fixture.format));
    });

    it('produces exactly expected_setdiff.txt', () => {
      const { before, after } = sides();
      expect(setDiffLines(before.packages, after.packages)).toEqual(lines(fixture.readText('expected_setdiff.txt')));
    });

    it('pairs the difference as expected.txt does', () => {
      const { before, after } = sides();
      const changes = diffPackageSets(before.packages, after.packages);
      const rendered = changes.map((c) => `${c.name} ${c.from ?? '(none)'} -> ${c.to ?? '(none)'}`);
      expect(rendered).toEqual(lines(fixture.readText('expected.txt')));
    });

    it('names the lockfile on every change from diffLockfileContents', () => {
      const changes = diffLockfileContents(fixture.repoPath, fixture.read('before'), fixture.read('after'));
      expect(changes.length).toBe(lines(fixture.readText('expected.txt')).length);
      expect(new Set(changes.map((c) => c.lockfile))).toEqual(new Set([fixture.repoPath]));
      const ecosystem = ['requirements', 'poetry', 'pipenv', 'uv'].includes(sides().before.kind) ? 'pypi' : 'npm';
      expect(new Set(changes.map((c) => c.ecosystem))).toEqual(new Set([ecosystem]));
    });
  });
});
