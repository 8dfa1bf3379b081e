// The local registry as npm sees it: real verdaccio, real npm, loopback only.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXTKIT, loadExamplePackages } from '../../src/demo/example-packages.ts';
import { publishExamplePackages, startLocalNpmRegistry, type LocalNpmRegistry } from '../../src/demo/npm-registry.ts';
import { cleanNpmEnv } from '../../src/demo/local-npm.ts';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'bumpbench-registry-test-'));
const userconfig = join(work, 'npmrc');
writeFileSync(userconfig, 'update-notifier=false\n');
const started: LocalNpmRegistry[] = [];

afterAll(async () => {
  for (const registry of started) await registry.stop();
  rmSync(work, { recursive: true, force: true });
});

/** `npm view … --json` against the registry, with a private cache so nothing stale is read. */
async function npmView(registry: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await run(
    'npm',
    ['view', ...args, '--json', '--registry', registry, '--userconfig', userconfig, '--cache', join(work, 'cache'), '--prefer-online'],
    { env: cleanNpmEnv(), cwd: work },
  );
  return JSON.parse(stdout);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local npm registry', () => {
  let registry: LocalNpmRegistry;
  beforeAll(async () => {
    registry = await startLocalNpmRegistry();
    started.push(registry);
  });

  it('listens on 127.0.0.1 and publishes every example release, which npm view lists', async () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const first = await publishExamplePackages(registry.url);
    const packages = await loadExamplePackages();
    const total = packages.reduce((n, p) => n + p.releases.length, 0);
    expect(first.published).toHaveLength(total);

    const versions = await npmView(registry.url, TEXTKIT, 'versions');
    expect(versions).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.7.0-beta.1', '1.7.0', '1.8.0', '1.8.1', '1.9.0']);
    expect(await npmView(registry.url, TEXTKIT, 'dist-tags')).toEqual({ latest: '1.9.0', next: '1.7.0-beta.1' });
    expect(await npmView(registry.url, `${TEXTKIT}@1.8.1`, 'deprecated')).toMatch(/use 1\.9\.0/);
    expect(await npmView(registry.url, `${TEXTKIT}@1.6.0`, 'repository.url')).toBe('git+https://github.com/bumpbench-examples/textkit.git');
    for (const pkg of packages) {
      expect(await npmView(registry.url, pkg.name, 'version')).toBe(pkg.releases.filter((r) => !r.tag).at(-1)!.version);
    }
  });

  it('publishes nothing the second time', async () => {
    const again = await publishExamplePackages(registry.url);
    expect(again.published).toEqual([]);
    expect(again.skipped.length).toBeGreaterThan(30);
  });

  it('never proxies to the public registry: an unknown package is a 404', async () => {
    await expect(npmView(registry.url, 'left-pad', 'version')).rejects.toThrow(/E404|404/);
  });

  it('stops: the process is gone and the port no longer answers', async () => {
    const { pid, url } = registry;
    expect(alive(pid)).toBe(true);
    await registry.stop();
    expect(alive(pid)).toBe(false);
    await expect(fetch(`${url}/-/ping`)).rejects.toThrow();
    await registry.stop(); // a second stop is harmless
  });

  it('keeps a caller-provided storage across restarts, so publishing again is a no-op', async () => {
    const storageDir = join(work, 'storage');
    const one = await startLocalNpmRegistry({ storageDir });
    started.push(one);
    await publishExamplePackages(one.url, { only: [TEXTKIT] });
    await one.stop();
    const two = await startLocalNpmRegistry({ storageDir });
    started.push(two);
    const again = await publishExamplePackages(two.url, { only: [TEXTKIT] });
    expect(again.published).toEqual([]);
    expect(again.skipped).toContain(`${TEXTKIT}@1.9.0`);
    // Tarball URLs follow the new address, not the one they were published to.
    const dist = (await npmView(two.url, `${TEXTKIT}@1.9.0`, 'dist.tarball')) as string;
    expect(dist.startsWith(`${two.url}/`)).toBe(true);
    await two.stop();
  });
});
