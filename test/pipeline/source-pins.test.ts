// Bisect's view of changes that are not registry releases: one step, distinct side labels, pinned by spec.
import { describe, expect, it } from 'vitest';
import { pinnedVersions, searchableChange } from '../../src/pipeline/source-pins.ts';

const git = (commit: string) => ({ kind: 'git' as const, spec: `git+ssh://git@github.com/acme/gitkit.git#${commit}`, commit });

describe('searchableChange', () => {
  it('leaves a registry change as it is', () => {
    expect(searchableChange({ ecosystem: 'npm', name: 'semver', from: '7.3.8', to: '7.7.1', locations: ['node_modules/semver'] })).toEqual({
      pkg: { name: 'semver', from: '7.3.8', to: '7.7.1' },
    });
  });

  it('a file: tarball: one step with no release list, pinned by the tarball spec', () => {
    const { pkg, specs } = searchableChange({
      ecosystem: 'npm', name: 'regionkit', from: '1.0.0', to: '1.1.0',
      source: { from: { kind: 'file', spec: 'file:vendor/regionkit-1.0.0.tgz' }, to: { kind: 'file', spec: 'file:vendor/regionkit-1.1.0.tgz' } },
    });
    expect(pkg).toEqual({ name: 'regionkit', from: '1.0.0', to: '1.1.0', noReleases: true });
    expect(pinnedVersions({ regionkit: '1.1.0', semver: '7.7.1' }, new Map([['regionkit', specs!]]))).toEqual({
      regionkit: 'file:vendor/regionkit-1.1.0.tgz',
      semver: '7.7.1',
    });
  });

  it('a git commit change keeps its version: the sides are told apart by their commits', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const { pkg, specs } = searchableChange({ ecosystem: 'npm', name: 'gitkit', from: '1.0.0', to: '1.0.0', source: { from: git(a), to: git(b) } });
    expect(pkg).toEqual({ name: 'gitkit', from: '1.0.0 (git aaaaaaa)', to: '1.0.0 (git bbbbbbb)', noReleases: true });
    expect(pinnedVersions({ gitkit: pkg.from }, new Map([['gitkit', specs!]]))).toEqual({ gitkit: git(a).spec });
  });

  it('a registry release replaced by a git fork: the registry side is pinned by its version', () => {
    const c = 'c'.repeat(40);
    const { pkg, specs } = searchableChange({ ecosystem: 'npm', name: 'lib', from: '2.0.0', to: '2.1.0', source: { from: null, to: git(c) } });
    expect(pkg.noReleases).toBe(true);
    expect(pinnedVersions({ lib: pkg.from }, new Map([['lib', specs!]]))).toEqual({ lib: '2.0.0' });
    expect(pinnedVersions({ lib: pkg.to }, new Map([['lib', specs!]]))).toEqual({ lib: git(c).spec });
  });
});
