// Every shared real-world bump must produce exactly its ground truth: the set difference of resolved
// registry name@version pairs (expected_setdiff.txt). The changes, paired by install location, must see
// every entry of it, and read as expected.txt (the same difference paired by version) wherever install
// paths do not tell another story; where they do, the path-paired answer is written out below.
import { describe, expect, it } from 'vitest';
import { diffLockfileContents, diffPackageSets, packageSetDifference, setDiffLines } from '../../src/lockfiles/diff.ts';
import { parseLockfile, type ParsedLockfile } from '../../src/lockfiles/parse.ts';
import type { Change } from '../../src/model.ts';
import { fixtureCases, kindOfFormat, lines } from './shared-fixtures.ts';

const cases = fixtureCases();

/**
 * Bumps where pairing by install path differs from expected.txt's pairing by version sets: the lines of
 * expected.txt it replaces, and the changes it gives instead (with their paths).
 */
const pairedByLocation: Record<string, { replaces: string[]; changes: string[] }> = {
  // The top-level @octokit/openapi-types went 11.2.0 → 24.2.0 (24.2.0 was nested under request-error
  // and is hoisted), and the two plugins got new nested 20.0.0 copies; @octokit/types likewise. By
  // version sets, 11.2.0 → 20.0.0 and 6.34.0 → 12.6.0.
  'npm-lockfile-v2/dependabot__fetch-metadata__f36d4a9a6d': {
    replaces: ['@octokit/openapi-types 11.2.0 -> 20.0.0', '@octokit/types 6.34.0 -> 12.6.0'],
    changes: [
      '@octokit/openapi-types 11.2.0 -> 24.2.0 at node_modules/@octokit/openapi-types',
      '@octokit/openapi-types (none) -> 20.0.0 at node_modules/@octokit/plugin-paginate-rest/node_modules/@octokit/openapi-types, node_modules/@octokit/plugin-rest-endpoint-methods/node_modules/@octokit/openapi-types',
      '@octokit/types 6.34.0 -> 13.10.0 at node_modules/@octokit/types',
      '@octokit/types (none) -> 12.6.0 at node_modules/@octokit/plugin-paginate-rest/node_modules/@octokit/types, node_modules/@octokit/plugin-rest-endpoint-methods/node_modules/@octokit/types',
    ],
  },
};

const render = (c: Pick<Change, 'name' | 'from' | 'to'>) => `${c.name} ${c.from ?? '(none)'} -> ${c.to ?? '(none)'}`;

describe('shared lockfile fixtures', () => {
  it('finds the fixture folders', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  describe.each(cases.map((c) => [c.id, c] as const))('%s', (id, fixture) => {
    // Parsed inside the tests (once), so a parser failure fails this folder's tests, not the whole file.
    let parsed: { before: ParsedLockfile; after: ParsedLockfile } | undefined;
    const sides = () =>
      (parsed ??= {
        before: parseLockfile(fixture.repoPath, fixture.read('before')),
        after: parseLockfile(fixture.repoPath, fixture.read('after')),
      });
    const exception = pairedByLocation[id];

    it('is read by the parser for its format', () => {
      const { before, after } = sides();
      expect(before.kind).toBe(kindOfFormat(fixture.format));
      expect(after.kind).toBe(kindOfFormat(fixture.format));
    });

    it('produces exactly expected_setdiff.txt', () => {
      const { before, after } = sides();
      expect(setDiffLines(before.packages, after.packages)).toEqual(lines(fixture.readText('expected_setdiff.txt')));
    });

    it('sees every version of expected_setdiff.txt in a change: removed ones as a "from", added ones as a "to"', () => {
      const { before, after } = sides();
      const changes = diffPackageSets(before.packages, after.packages);
      const { removed, added } = packageSetDifference(before.packages, after.packages);
      for (const pkg of removed) expect(changes.some((c) => c.name === pkg.name && c.from === pkg.version), `${pkg.name}@${pkg.version}`).toBe(true);
      for (const pkg of added) expect(changes.some((c) => c.name === pkg.name && c.to === pkg.version), `${pkg.name}@${pkg.version}`).toBe(true);
    });

    it('pairs as expected.txt does, seen through the version sets (a version still installed reads as none)', () => {
      const { before, after } = sides();
      const { removed, added } = packageSetDifference(before.packages, after.packages);
      const gone = new Set(removed.map((p) => `${p.name}@${p.version}`));
      const fresh = new Set(added.map((p) => `${p.name}@${p.version}`));
      const seen: string[] = [];
      for (const change of diffPackageSets(before.packages, after.packages)) {
        const from = change.from !== null && gone.has(`${change.name}@${change.from}`) ? change.from : null;
        const to = change.to !== null && fresh.has(`${change.name}@${change.to}`) ? change.to : null;
        // A copy removed or added while its version stays installed elsewhere is not in the version sets.
        if (from === null && to === null) continue;
        const line = render({ name: change.name, from, to });
        if (!seen.includes(line)) seen.push(line);
      }
      const expected = lines(fixture.readText('expected.txt'));
      if (!exception) {
        expect(seen).toEqual(expected);
        return;
      }
      const names = new Set(exception.replaces.map((line) => line.split(' ')[0]));
      expect(exception.replaces.every((line) => expected.includes(line))).toBe(true);
      expect(seen.filter((line) => !names.has(line.split(' ')[0]))).toEqual(expected.filter((line) => !exception.replaces.includes(line)));
    });

    if (exception) {
      it('pairs by install path where version sets pair otherwise', () => {
        const { before, after } = sides();
        const names = new Set(exception.replaces.map((line) => line.split(' ')[0]));
        const changes = diffPackageSets(before.packages, after.packages).filter((c) => names.has(c.name));
        expect(changes.map((c) => `${render(c)} at ${c.locations?.join(', ')}`)).toEqual(exception.changes);
      });
    }

    it('names the lockfile on every change from diffLockfileContents', () => {
      const changes = diffLockfileContents(fixture.repoPath, fixture.read('before'), fixture.read('after'));
      const { before, after } = sides();
      // Scope and directness come from the classification diffLockfileContents adds (tested in dependency-scope.test.ts).
      const unclassified = (c: Change) => {
        const { scope: _scope, direct: _direct, ...rest } = c;
        return rest;
      };
      expect(changes.map(unclassified)).toEqual(diffPackageSets(before.packages, after.packages).map((c) => ({ ...unclassified(c), lockfile: fixture.repoPath })));
      expect(new Set(changes.map((c) => c.lockfile))).toEqual(new Set([fixture.repoPath]));
      const ecosystem = ['requirements', 'poetry', 'pipenv', 'uv'].includes(sides().before.kind) ? 'pypi' : 'npm';
      expect(new Set(changes.map((c) => c.ecosystem))).toEqual(new Set([ecosystem]));
    });
  });
});
