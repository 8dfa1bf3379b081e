import { describe, expect, it } from 'vitest';
import { PackageNames, normalizePythonName, ownerOfFile, suspectFromHints, hintsAbout } from '../../src/hints/index.ts';
import type { Hint } from '../../src/model.ts';

describe('ownerOfFile', () => {
  it('the innermost node_modules segment names the package (scoped, nested, pnpm)', () => {
    expect(ownerOfFile('/app/node_modules/@acme/kit/lib/a.js')).toEqual({ kind: 'package', name: '@acme/kit', ecosystem: 'npm', inside: 'lib/a.js' });
    expect(ownerOfFile('/app/node_modules/a/node_modules/b/index.js')).toMatchObject({ name: 'b' });
    expect(ownerOfFile('/app/node_modules/.pnpm/x@1.0.0/node_modules/x/index.js')).toMatchObject({ name: 'x' });
    expect(ownerOfFile('file:///cache/installs/k/node_modules/textkit/slugify.js')).toMatchObject({ name: 'textkit', inside: 'slugify.js' });
  });

  it('site-packages and dist-packages name the import package; a module file its name', () => {
    expect(ownerOfFile('/v/lib/python3.11/site-packages/yaml/constructor.py')).toMatchObject({ name: 'yaml', ecosystem: 'pypi', inside: 'yaml/constructor.py' });
    expect(ownerOfFile('/usr/lib/python3/dist-packages/six.py')).toMatchObject({ name: 'six' });
  });

  it('Node internals, the standard library and our own hooks are the runtime; the rest is the app', () => {
    expect(ownerOfFile('node:internal/http')).toEqual({ kind: 'runtime' });
    expect(ownerOfFile(null)).toEqual({ kind: 'runtime' });
    expect(ownerOfFile('/usr/lib/python3.11/http/client.py', ['/usr/lib/python3.11'])).toEqual({ kind: 'runtime' });
    expect(ownerOfFile('/opt/bumpbench/src/hints/hooks/node-observe.cjs')).toEqual({ kind: 'runtime' });
    expect(ownerOfFile('/work/repo/server.js')).toEqual({ kind: 'app', path: '/work/repo/server.js' });
  });
});

describe('PackageNames', () => {
  it('npm names are the lockfile\'s; Python import names go through the distributions and PEP 503', () => {
    const names = new PackageNames([
      { ecosystem: 'npm', name: 'textkit', from: '1', to: '2' },
      { ecosystem: 'pypi', name: 'PyYAML', from: '5', to: '6' },
    ]);
    names.addDistributions({ yaml: ['pyyaml'] });
    expect(names.resolve('textkit', 'npm')).toEqual({ name: 'textkit', ecosystem: 'npm', changed: true });
    expect(names.resolve('express', 'npm')).toEqual({ name: 'express', ecosystem: 'npm', changed: false });
    expect(names.resolve('yaml', 'pypi')).toEqual({ name: 'PyYAML', ecosystem: 'pypi', changed: true });
    expect(names.resolve('requests', 'pypi')).toEqual({ name: 'requests', ecosystem: 'pypi', changed: false });
    expect(normalizePythonName('Zope.Interface_x')).toBe('zope-interface-x');
  });
});

describe('hints and bisect order', () => {
  const hint = (partial: Partial<Hint>): Hint => ({ kind: 'outbound', package: null, detail: '', base: 0, head: 1, perRequest: 1, confidence: 0.999, ...partial });

  it('one changed package named by the hints that show head worse is measured first', () => {
    expect(suspectFromHints([hint({ package: 'cloudsig' }), hint({ package: null })], ['cloudsig', 'requests'])).toBe('cloudsig');
    // Reached through another package: the outer one is the change.
    expect(suspectFromHints([hint({ package: 'urllib3', via: ['botocore'] })], ['botocore', 'six'])).toBe('botocore');
  });

  it('none, several, or only improvements: no order', () => {
    expect(suspectFromHints([], ['a'])).toBeNull();
    expect(suspectFromHints([hint({ package: 'a' }), hint({ package: 'b', kind: 'cpu' })], ['a', 'b'])).toBeNull();
    expect(suspectFromHints([hint({ package: 'a', perRequest: -1 })], ['a'])).toBeNull();
    expect(suspectFromHints([hint({ package: 'unchanged-dep' })], ['a'])).toBeNull();
  });

  it('hintsAbout: the package itself or one it was called through', () => {
    const hints = [hint({ package: 'urllib3', via: ['botocore'] }), hint({ package: 'x' })];
    expect(hintsAbout(hints, 'botocore')).toHaveLength(1);
  });
});
