// The example libraries as the publisher sees them: enough packages and releases for the demo and the
// bisect tests, each release's tarball carrying the right source, and textkit's slowdown where we say.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEXTKIT, TEXTKIT_REGRESSION, buildRelease, latestVersion, loadExamplePackages } from '../../src/demo/example-packages.ts';

const work = mkdtempSync(join(tmpdir(), 'bumpbench-examples-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function unpack(tarball: Buffer, name: string): string {
  const dir = join(work, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'p.tgz'), tarball);
  execFileSync('tar', ['-xzf', 'p.tgz'], { cwd: dir });
  return join(dir, 'package');
}

describe('example packages', () => {
  it('has textkit with ten stable releases, a prerelease and a deprecated patch, plus eight more libraries', async () => {
    const packages = await loadExamplePackages();
    const textkit = packages.find((p) => p.name === TEXTKIT)!;
    const stable = textkit.releases.filter((r) => !r.version.includes('-') && r.deprecated === undefined);
    expect(stable.map((r) => r.version)).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.7.0', '1.8.0', '1.9.0']);
    expect(textkit.releases.find((r) => r.version === '1.7.0-beta.1')?.tag).toBe('next');
    expect(textkit.releases.find((r) => r.version === '1.8.1')?.deprecated).toBeTruthy();
    expect(latestVersion(textkit)).toBe('1.9.0');

    const others = packages.filter((p) => p.name !== TEXTKIT);
    expect(others.length).toBeGreaterThanOrEqual(8);
    for (const pkg of packages) {
      expect(pkg.name).toMatch(/^@bumpbench-examples\/[a-z0-9-]+$/);
      expect(pkg.repository).toMatch(/^https:\/\/github\.com\/bumpbench-examples\/[a-z0-9-]+$/);
      expect(pkg.releases.length).toBeGreaterThanOrEqual(2);
      for (const release of pkg.releases) expect(release.notes.length).toBeGreaterThan(10);
    }
  });

  it('builds each release with the files of that release and a changelog up to it', async () => {
    const packages = await loadExamplePackages();
    const textkit = packages.find((p) => p.name === TEXTKIT)!;
    const good = unpack((await buildRelease(textkit, TEXTKIT_REGRESSION.lastGood)).tarball, 'good');
    const bad = unpack((await buildRelease(textkit, TEXTKIT_REGRESSION.firstBad)).tarball, 'bad');

    expect(readFileSync(join(good, 'slugify.js'), 'utf8')).not.toContain('normalize(');
    expect(readFileSync(join(bad, 'slugify.js'), 'utf8')).toContain("normalize('NFKD')");
    const manifest = JSON.parse(readFileSync(join(bad, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: TEXTKIT,
      version: '1.6.0',
      main: 'index.js',
      types: 'index.d.ts', // from 1.3.0, carried forward
      sideEffects: false, // from 1.5.0
      repository: { type: 'git', url: 'git+https://github.com/bumpbench-examples/textkit.git' },
    });
    expect(readFileSync(join(bad, 'index.js'), 'utf8')).toContain("exports.VERSION = '1.6.0'");
    const changelog = readFileSync(join(bad, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain('**1.6.0**');
    expect(changelog).toContain('**1.0.0**');
    expect(changelog).not.toContain('**1.7.0**');
  });

  it('gives every release a loadable tarball whose package/package.json names the release', async () => {
    for (const pkg of await loadExamplePackages()) {
      for (const release of pkg.releases) {
        const built = await buildRelease(pkg, release.version);
        const dir = unpack(built.tarball, `${built.tarballName}`);
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        expect(manifest.name).toBe(pkg.name);
        expect(manifest.version).toBe(release.version);
        expect(readFileSync(join(dir, 'index.js'), 'utf8')).not.toContain('__VERSION__');
        // It loads, and exports functions.
        const exported = createRequire(import.meta.url)(join(dir, 'index.js')) as Record<string, unknown>;
        expect(Object.values(exported).some((v) => typeof v === 'function')).toBe(true);
      }
    }
  });
});
