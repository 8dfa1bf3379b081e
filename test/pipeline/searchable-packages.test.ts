// Which changes a bisect searches: one per package, the top-level copy's, non-registry ones as one step.
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/model.ts';
import { searchablePackages } from '../../src/pipeline/searchable-packages.ts';

describe('searchablePackages', () => {
  it('searches the top-level copy of a package whose nested copies changed too, and says so', () => {
    const changes: Change[] = [
      { ecosystem: 'npm', name: 'semver', from: '6.3.0', to: '6.3.1', locations: ['node_modules/make-dir/node_modules/semver', 'node_modules/x/node_modules/semver'] },
      { ecosystem: 'npm', name: 'semver', from: '7.3.8', to: '7.7.1', locations: ['node_modules/semver'] },
      { ecosystem: 'npm', name: 'lru-cache', from: '6.0.0', to: null, locations: ['node_modules/semver/node_modules/lru-cache'] },
    ];
    const notes: string[] = [];
    const { packages } = searchablePackages(changes, undefined, notes);
    expect(packages).toEqual([{ name: 'semver', from: '7.3.8', to: '7.7.1' }]);
    expect(notes).toEqual([
      'lru-cache was removed: it follows the packages that need it and is not searched on its own.',
      'semver 6.3.0 → 6.3.1 (node_modules/make-dir/node_modules/semver and 1 more) is not searched on its own: a candidate pins one version of semver, searched 7.3.8 → 7.7.1.',
    ]);
  });

  it('makes a file: tarball change one step with no release list, pinned by its spec', () => {
    const { packages, sourceSpecs } = searchablePackages(
      [
        {
          ecosystem: 'npm', name: 'regionkit', from: '1.0.0', to: '1.1.0', locations: ['node_modules/regionkit'],
          source: { from: { kind: 'file', spec: 'file:vendor/regionkit-1.0.0.tgz' }, to: { kind: 'file', spec: 'file:vendor/regionkit-1.1.0.tgz' } },
        },
      ],
      undefined,
      [],
    );
    expect(packages).toEqual([{ name: 'regionkit', from: '1.0.0', to: '1.1.0', noReleases: true }]);
    expect(sourceSpecs.get('regionkit')?.get('1.1.0')).toBe('file:vendor/regionkit-1.1.0.tgz');
  });

  it('--package must name a changed package', () => {
    expect(() => searchablePackages([{ ecosystem: 'npm', name: 'a', from: '1.0.0', to: '1.1.0' }], 'b', [])).toThrow(
      '--package b: not among the packages this change updates (a). Give one of those, or leave --package out.',
    );
  });
});
