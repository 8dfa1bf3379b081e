// The set difference and its pairing into from → to changes.
import { describe, expect, it } from 'vitest';
import { compareVersions, diffLockfileContents, diffPackageSets, setDiffLines } from '../../src/lockfiles/diff.ts';
import type { ResolvedPackage } from '../../src/lockfiles/types.ts';

const npm = (spec: string): ResolvedPackage => {
  const at = spec.lastIndexOf('@');
  return { ecosystem: 'npm', name: spec.slice(0, at), version: spec.slice(at + 1) };
};
const pypi = (name: string, version: string): ResolvedPackage => ({ ecosystem: 'pypi', name, version });

describe('setDiffLines', () => {
  it('leaves out packages with a source: the set difference is about registry releases', () => {
    const tarball = (version: string): ResolvedPackage => ({
      ...npm(`regionkit@${version}`),
      source: { kind: 'file', spec: `file:vendor/regionkit-${version}.tgz` },
    });
    expect(setDiffLines([tarball('1.0.0'), npm('a@1.0.0')], [tarball('1.1.0'), npm('a@1.0.0')])).toEqual([]);
  });

  it('counts a pair once however many install paths hold it, and orders names by code point', () => {
    const before = ['b@1.0.0', 'b@1.0.0', 'JSONStream@1.3.5', '@types/node@20.0.0', 'same@1.0.0'].map(npm);
    const after = ['b@1.1.0', '@types/node@20.0.0', 'same@1.0.0', 'same@1.0.0', 'a@0.1.0'].map(npm);
    expect(setDiffLines(before, after)).toEqual(['- JSONStream@1.3.5', '+ a@0.1.0', '- b@1.0.0', '+ b@1.1.0']);
  });

  it('lists a name’s removed versions before its added ones, each in version (not string) order', () => {
    const before = ['t@0.18.1', 't@0.6.0', 'p@2.8.3'].map(npm);
    const after = ['t@0.20.0', 't@0.8.1', 'p@2.7.7'].map(npm);
    expect(setDiffLines(before, after)).toEqual([
      '- p@2.8.3',
      '+ p@2.7.7',
      '- t@0.6.0',
      '- t@0.18.1',
      '+ t@0.8.1',
      '+ t@0.20.0',
    ]);
  });

  it('is empty for identical sets', () => {
    const packages = ['a@1.0.0', 'b@2.0.0'].map(npm);
    expect(setDiffLines(packages, [...packages].reverse())).toEqual([]);
  });
});

describe('diffPackageSets', () => {
  it('pairs one removed with one added version, across majors', () => {
    expect(diffPackageSets(['a@5.1.1'].map(npm), ['a@6.0.1'].map(npm))).toEqual([
      { ecosystem: 'npm', name: 'a', from: '5.1.1', to: '6.0.1' },
    ]);
  });

  it('pairs by major when a name has several versions, leaving the rest unpaired', () => {
    const before = ['eslint-visitor-keys@2.1.0', 'eslint-visitor-keys@3.3.0'].map(npm);
    const after = ['eslint-visitor-keys@3.4.0'].map(npm);
    expect(diffPackageSets(before, after)).toEqual([
      { ecosystem: 'npm', name: 'eslint-visitor-keys', from: '2.1.0', to: null },
      { ecosystem: 'npm', name: 'eslint-visitor-keys', from: '3.3.0', to: '3.4.0' },
    ]);
  });

  it('gives null for a side without a version', () => {
    expect(diffPackageSets(['gone@1.0.0', 'x@1.0.0', 'x@2.0.0'].map(npm), ['new@0.1.0'].map(npm))).toEqual([
      { ecosystem: 'npm', name: 'gone', from: '1.0.0', to: null },
      { ecosystem: 'npm', name: 'new', from: null, to: '0.1.0' },
      { ecosystem: 'npm', name: 'x', from: '1.0.0', to: null },
      { ecosystem: 'npm', name: 'x', from: '2.0.0', to: null },
    ]);
  });

  it('pairs the newest lines when majors do not match', () => {
    expect(diffPackageSets(['m@1.0.0', 'm@2.0.0'].map(npm), ['m@3.0.0'].map(npm))).toEqual([
      { ecosystem: 'npm', name: 'm', from: '1.0.0', to: null },
      { ecosystem: 'npm', name: 'm', from: '2.0.0', to: '3.0.0' },
    ]);
  });

  it('reports a change of source alone (a git commit) and one from a registry release to a git fork', () => {
    const git = (commit: string): ResolvedPackage => ({
      ...npm('gitkit@1.0.0'),
      source: { kind: 'git', spec: `git+ssh://git@github.com/acme/gitkit.git#${commit}`, commit },
    });
    expect(diffPackageSets([git('a'.repeat(40)), npm('lib@2.0.0')], [git('b'.repeat(40)), { ...git('c'.repeat(40)), name: 'lib' }])).toEqual([
      { ecosystem: 'npm', name: 'gitkit', from: '1.0.0', to: '1.0.0', source: { from: git('a'.repeat(40)).source, to: git('b'.repeat(40)).source } },
      { ecosystem: 'npm', name: 'lib', from: '2.0.0', to: '1.0.0', source: { from: null, to: git('c'.repeat(40)).source } },
    ]);
  });

  it('keeps PyPI versions apart from npm ones of the same name', () => {
    expect(diffPackageSets([pypi('six', '1.16.0'), npm('six@1.0.0')], [pypi('six', '1.17.0'), npm('six@1.0.0')])).toEqual([
      { ecosystem: 'pypi', name: 'six', from: '1.16.0', to: '1.17.0' },
    ]);
  });
});

describe('diffLockfileContents', () => {
  const lock = (deps: Record<string, string>) =>
    JSON.stringify({
      lockfileVersion: 3,
      packages: Object.fromEntries([['', {}], ...Object.entries(deps).map(([name, version]) => [`node_modules/${name}`, { version }])]),
    });

  it('diffs two texts of one lockfile and names the lockfile', () => {
    expect(diffLockfileContents('app/package-lock.json', lock({ a: '1.0.0', b: '1.0.0' }), lock({ a: '1.1.0', b: '1.0.0' }))).toEqual([
      { ecosystem: 'npm', name: 'a', from: '1.0.0', to: '1.1.0', lockfile: 'app/package-lock.json', locations: ['node_modules/a'], scope: 'runtime', direct: false },
    ]);
  });

  it('treats a missing side (lockfile added or deleted in the PR) as empty', () => {
    expect(diffLockfileContents('package-lock.json', null, lock({ a: '1.0.0' }))).toEqual([
      { ecosystem: 'npm', name: 'a', from: null, to: '1.0.0', lockfile: 'package-lock.json', locations: ['node_modules/a'], scope: 'runtime', direct: false },
    ]);
    expect(diffLockfileContents('package-lock.json', lock({ a: '1.0.0' }), null)).toEqual([
      { ecosystem: 'npm', name: 'a', from: '1.0.0', to: null, lockfile: 'package-lock.json', locations: ['node_modules/a'], scope: 'runtime', direct: false },
    ]);
  });
});

describe('compareVersions', () => {
  it('orders semver, PEP 440 and odd versions sensibly', () => {
    expect(compareVersions('0.6.0', '0.18.1', 'npm')).toBeLessThan(0);
    expect(compareVersions('2.0.0-next.5', '2.0.0', 'npm')).toBeLessThan(0);
    expect(compareVersions('2.32.0.20250602', '2.32.4.20250611', 'pypi')).toBeLessThan(0);
    expect(compareVersions('1.0rc1', '1.0', 'pypi')).toBeLessThan(0);
    expect(compareVersions('2024.7.4', '2024.12.1', 'pypi')).toBeLessThan(0);
    expect(compareVersions('1.0.0', '1.0.0', 'npm')).toBe(0);
  });
});
