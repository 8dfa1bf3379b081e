// Pinning a package that is not a registry release, as bisect does for a file: tarball change: npm takes
// the spec the lockfile records (no registry is asked); a Python candidate refuses it plainly.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ecosystems, PinInstallError } from '../../src/ecosystems/index.ts';
import { parseLockfile } from '../../src/lockfiles/index.ts';
import { isolatedEnv, run, tempDir } from './helpers.ts';

const work = tempDir('bumpbench-pin-sources-');
const env = () => isolatedEnv(path.join(work, 'home'));

afterAll(async () => {
  const { rm } = await import('node:fs/promises');
  await rm(work, { recursive: true, force: true });
});

/** A project depending on regionkit's 1.0.0 tarball, with 1.1.0's beside it, locked by npm itself. */
async function tarballProject(): Promise<string> {
  const dir = path.join(work, 'app');
  for (const version of ['1.0.0', '1.1.0']) {
    const src = path.join(work, `regionkit-${version}`);
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, 'package.json'), JSON.stringify({ name: 'regionkit', version, main: 'index.js' }));
    await writeFile(path.join(src, 'index.js'), `module.exports = '${version}';\n`);
    await mkdir(path.join(dir, 'vendor'), { recursive: true });
    await run('npm', ['pack', '--silent', '--pack-destination', path.join(dir, 'vendor')], src, env());
  }
  await writeFile(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { regionkit: 'file:vendor/regionkit-1.0.0.tgz' } }, null, 2)}\n`,
  );
  await run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--ignore-scripts'], dir, env());
  return dir;
}

describe('pinning a non-registry spec', () => {
  it('npm: writes the tarball spec and regenerates the lockfile without asking a registry', async () => {
    const dir = await tarballProject();
    const result = await ecosystems.npm.pin(dir, { regionkit: 'file:vendor/regionkit-1.1.0.tgz' }, { env: env() });
    expect(result.changedFiles).toEqual(['package.json', 'package-lock.json']);
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest.dependencies.regionkit).toBe('file:vendor/regionkit-1.1.0.tgz');
    const locked = parseLockfile('package-lock.json', await readFile(path.join(dir, 'package-lock.json'), 'utf8')).packages;
    expect(locked.find((p) => p.name === 'regionkit')).toMatchObject({ version: '1.1.0', source: { kind: 'file', spec: 'file:vendor/regionkit-1.1.0.tgz' } });
  }, 120_000);

  it('Python: a URL or path cannot be a constraint, so the candidate is an install failure that says why', async () => {
    const dir = path.join(work, 'py');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'requirements.txt'), 'regionkit @ file:///srv/vendor/regionkit-1.0.0.tar.gz\n');
    const error = await ecosystems.pypi.pin(dir, { regionkit: 'file:///srv/vendor/regionkit-1.1.0.tar.gz' }, { env: env() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PinInstallError);
    expect((error as Error).message).toBe(
      'regionkit comes from file:///srv/vendor/regionkit-1.1.0.tar.gz, not a package index: a Python candidate can pin index releases only, so this state is skipped',
    );
  });
});
