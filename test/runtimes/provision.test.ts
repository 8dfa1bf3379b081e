// Provisioning for real: Node from the npm registry's binary package (downloaded once per test run into the
// run's shared cache), the download path against a local registry (integrity, offline fallback), and
// Python from this machine's interpreters (pypy3 from Debian, CPython from pyenv or the system).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTarGz, tarballHashes } from '../../src/demo/tarball.ts';
import { nodePackageName, provisionNode, provisionPython, RuntimeUnavailableError } from '../../src/runtimes/index.ts';
import { tempDir } from '../helpers/git-repo.ts';
import { useSharedRuntimeCache } from '../helpers/runtime-cache.ts';

const shared = useSharedRuntimeCache();
const run = (file: string, args: string[]) => execFileSync(file, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } }).trim();

describe('Node from the npm registry', () => {
  it('resolves "22" to the newest 22.x the registry serves, downloads it once, and it runs', async () => {
    const progress: string[] = [];
    const node = await provisionNode({ kind: 'node', spec: '22', from: '.nvmrc' }, { cacheDir: shared, onProgress: (m) => progress.push(m) });
    expect(node).toMatchObject({ kind: 'node', implementation: 'node', origin: `npm registry (${nodePackageName()})`, requested: { spec: '22', from: '.nvmrc' } });
    expect(node.version).toMatch(/^22\.\d+\.\d+$/);
    expect(node.label).toBe(`Node.js ${node.version}`);
    expect(run(node.executable, ['--version'])).toBe(`v${node.version}`);
    expect(node.binDir).toBe(path.dirname(node.executable));
    // Its headers come with it: a native addon compiling in the install (node-gyp) builds against this Node, offline.
    expect(existsSync(path.join(node.env!.npm_config_nodedir!, 'include', 'node', 'node_api.h'))).toBe(true);
    expect(node.env!.npm_config_nodedir).toBe(path.dirname(node.binDir!));
    // V8's tiers: a fresh server's first scenario warms up at least 3 s.
    expect(node.firstWarmupMs).toBe(3_000);
    expect(node.mounts).toEqual([path.join(shared, 'node', `${node.version}-${nodePackageName()!.replace(/^node-/, '')}`)]);
    // The exact version is then served from the cache: no second download.
    const again: string[] = [];
    const exact = await provisionNode({ kind: 'node', spec: node.version, from: 'x' }, { cacheDir: shared, registry: 'http://127.0.0.1:9/', onProgress: (m) => again.push(m) });
    expect(exact.executable).toBe(node.executable);
    expect(again).toEqual([]);
    console.log(`node 22 → ${node.version}; ${progress.join('; ') || 'already cached'}`);
  });

  it('names the majors there are when nothing matches', async () => {
    const err = await provisionNode({ kind: 'node', spec: '7.99', from: '.nvmrc' }, { cacheDir: tempDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeUnavailableError);
    expect((err as Error).message).toMatch(/no Node.js release matches "7.99" \(from .nvmrc\): node-\w+-\w+ on https?:\/\/\S+ has majors .*22/);
  });
});

describe('Node downloads, against a local registry', () => {
  let server: Server;
  let registry: string;
  const pkg = nodePackageName()!;
  const fakeNode = (version: string) => createTarGz([{ path: 'package/bin/node', content: `#!/bin/sh\necho v${version}\n`, mode: 0o755 }]);
  const good = fakeNode('98.0.0');
  const tampered = fakeNode('99.0.0');
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', registry);
      if (url.pathname === `/${pkg}`) {
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({
          name: pkg,
          versions: {
            '98.0.0': { dist: { tarball: `${registry}${pkg}/-/98.tgz`, ...tarballHashes(good) } },
            // The registry's hash is of other bytes than it serves.
            '99.0.0': { dist: { tarball: `${registry}${pkg}/-/99.tgz`, ...tarballHashes(good) } },
          },
        }));
      }
      if (url.pathname.endsWith('/98.tgz')) return res.end(good);
      if (url.pathname.endsWith('/99.tgz')) return res.end(tampered);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('checks the integrity, unpacks by exact version, and resolves from the cache when the registry is gone', async () => {
    const cacheDir = tempDir();
    const node = await provisionNode({ kind: 'node', spec: '98', from: 'config runtime.node' }, { cacheDir, registry });
    expect(node.version).toBe('98.0.0');
    expect(existsSync(path.join(cacheDir, 'node', `98.0.0-${pkg.replace(/^node-/, '')}`, '.complete'))).toBe(true);

    const err = await provisionNode({ kind: 'node', spec: '99', from: '.nvmrc' }, { cacheDir, registry }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/does not match the registry's sha512 integrity/);
    expect(existsSync(path.join(cacheDir, 'node', `99.0.0-${pkg.replace(/^node-/, '')}`))).toBe(false);

    const offline: string[] = [];
    const cached = await provisionNode({ kind: 'node', spec: '>=98', from: '.nvmrc' }, { cacheDir, registry: 'http://127.0.0.1:9/', onProgress: (m) => offline.push(m) });
    expect(cached.version).toBe('98.0.0');
    expect(offline.join('\n')).toMatch(/could not reach .* using the cached Node.js 98.0.0/);
  });
});

describe('Python from the machine', () => {
  it('runs PyPy through launchers named python and python3', async () => {
    const pypy = await provisionPython({ kind: 'python', spec: 'pypy3', from: '--head-runtime' }, { cacheDir: tempDir() });
    expect(pypy).toMatchObject({ kind: 'python', implementation: 'pypy' });
    expect(pypy.version).toMatch(/^pypy3\.\d+-\d+\.\d+\.\d+$/);
    expect(pypy.label).toMatch(/^PyPy \d+\.\d+\.\d+ \(Python 3\.\d+\.\d+\)$/);
    expect(pypy.warmupRequests).toBeGreaterThan(1000);
    for (const name of ['python', 'python3']) {
      expect(run(path.join(pypy.binDir!, name), ['-c', 'import platform; print(platform.python_implementation())'])).toBe('PyPy');
    }
  });

  it('finds CPython 3.11 (pyenv or the system)', async () => {
    const cpython = await provisionPython({ kind: 'python', spec: 'python3.11', from: '--base-runtime' }, { cacheDir: tempDir() });
    expect(cpython).toMatchObject({ implementation: 'cpython', label: expect.stringMatching(/^CPython 3\.11\.\d+$/) });
    expect(run(path.join(cpython.binDir!, 'python3'), ['-c', 'import sys; print(sys.version_info[:2])'])).toBe('(3, 11)');
    expect(cpython.warmupRequests).toBeUndefined();
  });

  it('says what is missing and how to install it', async () => {
    const missing = await provisionPython({ kind: 'python', spec: 'python3.4', from: '--head-runtime' }, { cacheDir: tempDir() }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RuntimeUnavailableError);
    expect((missing as Error).message).toMatch(/^CPython 3\.4 \("python3\.4", from --head-runtime\) is not installed on this machine \(found .*CPython 3\.11/);
    expect((missing as Error).message).toMatch(/Install it with `pyenv install 3\.4`/);
    const pypy = await provisionPython({ kind: 'python', spec: 'pypy2.7', from: '.python-version' }, { cacheDir: tempDir() }).catch((e: unknown) => e);
    expect((pypy as Error).message).toMatch(/PyPy \(Python 2\.7\) .* Install it with `pyenv install pypy2\.7`.*`apt-get install pypy3`/);
    const garbage = await provisionPython({ kind: 'python', spec: 'cobra', from: 'config runtime.python' }, { cacheDir: tempDir() }).catch((e: unknown) => e);
    expect((garbage as Error).message).toMatch(/"cobra" \(from config runtime.python\) is not a Python version/);
  });
});
