// The Python ecosystem against a real local package index (PEP 503/691 over HTTP) serving wheels built
// here, and real pip installs in a venv.
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecosystems, PinInstallError, PinUnsupportedError, RegistryError, CONSTRAINTS_FILE } from '../../src/ecosystems/index.ts';
import { findIndexUrls } from '../../src/ecosystems/python/index-url.ts';
import { rewritePins } from '../../src/ecosystems/python/requirements-files.ts';
import { versionFromFilename } from '../../src/ecosystems/python/simple-api.ts';
import { startPypiIndex, type PypiIndex } from '../../src/demo/pypi-index.ts';
import { buildExampleWheels, buildWheelFromFiles, type BuiltWheel } from '../../src/demo/wheels.ts';
import { isolatedEnv, run, tempDir } from './helpers.ts';

const pypi = ecosystems.pypi;
const work = tempDir('bumpbench-py-eco-');
const wheelsDir = path.join(work, 'wheels');
const venv = path.join(work, 'venv');
const pip = path.join(venv, 'bin', 'pip');
const python = path.join(venv, 'bin', 'python');
let index: PypiIndex;
let cloudsigWheels: BuiltWheel[] = [];
const servers: Server[] = [];

/** A tiny importable module `name` that knows its own version. */
async function tinyWheel(name: string, version: string, requiresDist: string[] = []): Promise<BuiltWheel> {
  return buildWheelFromFiles({ [`${name}/__init__.py`]: `__version__ = "${version}"\n` }, { name, version, requiresDist, requiresPython: '>=3.8' }, wheelsDir);
}

function envFor(extra: Record<string, string> = {}): Record<string, string> {
  return isolatedEnv(path.join(work, 'home'), extra);
}

async function project(files: Record<string, string>): Promise<string> {
  const dir = tempDir('bumpbench-py-project-');
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

async function installedVersion(module: string): Promise<string> {
  return (await run(python, ['-c', `import ${module}; print(${module}.__version__)`], work, envFor())).trim();
}

async function pipInstall(dir: string, extraArgs: string[] = []): Promise<void> {
  await run(pip, ['install', '-q', '--index-url', index.url, '-r', 'requirements.txt', ...extraArgs], dir, envFor());
}

beforeAll(async () => {
  const built = await buildExampleWheels(wheelsDir);
  cloudsigWheels = built.find((b) => b.name === 'cloudsig')!.wheels;
  // Published out of version order on purpose: the index lists files by name (1.10.0 before 1.2.0).
  for (const v of ['1.10.0', '2.0.0', '1.2.0', '2.0.0a1', '1.11.0', '1.9.0', '2.0.0b2']) await tinyWheel('orderpkg', v);
  await appendFile(path.join(wheelsDir, 'yanked.txt'), 'orderpkg-1.11.0-py3-none-any.whl\n');
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) await tinyWheel('corelib', v);
  await tinyWheel('appkit', '1.0.0', ['corelib>=1.0']);
  await buildWheelFromFiles({ 'futurelib/__init__.py': '' }, { name: 'futurelib', version: '1.0.0', requiresPython: '>=3.8' }, wheelsDir);
  await buildWheelFromFiles({ 'futurelib/__init__.py': '' }, { name: 'futurelib', version: '2.0.0', requiresPython: '>=4' }, wheelsDir);
  index = await startPypiIndex(wheelsDir);
  await run('python3', ['-m', 'venv', venv], work, envFor());
}, 120_000);

afterAll(async () => {
  await index?.stop();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await rm(work, { recursive: true, force: true });
});

describe('Python release lists', () => {
  it('lists the cloudsig releases between 1.2.0 and 1.9.0 in version order, without the prerelease or the yanked release', async () => {
    const ctx = { projectDir: work, env: envFor({ PIP_INDEX_URL: index.url }) };
    const between = await pypi.listReleasesBetween('cloudsig', '1.2.0', '1.9.0', ctx);
    expect(between.map((r) => r.version)).toEqual(['1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.7.0', '1.8.0']);
    // Endpoints in either order give the same list.
    expect((await pypi.listReleasesBetween('CloudSig', '1.9.0', '1.2.0', ctx)).map((r) => r.version)).toEqual(between.map((r) => r.version));

    const all = await pypi.listReleases('cloudsig', ctx);
    expect(all.find((r) => r.version === '1.8.1')).toMatchObject({ yanked: true, yankedReason: expect.stringContaining('1.9.0') });
    expect(all.find((r) => r.version === '1.7.0rc1')).toMatchObject({ prerelease: true });
    expect(all.find((r) => r.version === '1.6.0')).toMatchObject({ requiresPython: '>=3.8', prerelease: false });
  });

  it('orders by PEP 440, so 1.10.0 comes after 1.9.0', async () => {
    const ctx = { projectDir: work, env: envFor({ PIP_INDEX_URL: index.url }) };
    expect((await pypi.listReleasesBetween('orderpkg', '1.2.0', '2.0.0', ctx)).map((r) => r.version)).toEqual(['1.9.0', '1.10.0']);
    expect((await pypi.listReleases('orderpkg', ctx)).map((r) => r.version)).toEqual(['1.2.0', '1.9.0', '1.10.0', '1.11.0', '2.0.0a1', '2.0.0b2', '2.0.0']);
    expect(pypi.compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
  });

  it("keeps prereleases only on an endpoint's own prerelease line", async () => {
    const ctx = { projectDir: work, env: envFor({ PIP_INDEX_URL: index.url }) };
    expect((await pypi.listReleasesBetween('orderpkg', '2.0.0a1', '2.0.0', ctx)).map((r) => r.version)).toEqual(['2.0.0b2']);
    expect((await pypi.listReleasesBetween('orderpkg', '1.9.0', '2.0.0b2', ctx)).map((r) => r.version)).toEqual(['1.10.0', '2.0.0a1']);
  });

  it('reads a PEP 503 HTML-only index the same as the JSON API', async () => {
    // An index that knows nothing of PEP 691: it answers the HTML our index serves, as text/html.
    const html = await (await fetch(`${index.url}cloudsig/`, { headers: { accept: 'text/html' } })).text();
    const server = createServer((req, res) => {
      if (req.url === '/legacy/cloudsig/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        // Relative links must resolve against the page, so rewrite them to the real files.
        res.end(html.replaceAll('../../files/', `${index.origin}/files/`));
      } else {
        res.writeHead(404).end();
      }
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const ctx = { projectDir: work, env: envFor({ PIP_INDEX_URL: `http://127.0.0.1:${port}/legacy` }) };
    const viaHtml = await pypi.listReleases('cloudsig', ctx);
    const viaJson = await pypi.listReleases('cloudsig', { projectDir: work, env: envFor({ PIP_INDEX_URL: index.url }) });
    expect(viaHtml).toEqual(viaJson);
    expect(viaHtml.filter((r) => r.yanked).map((r) => r.version)).toEqual(['1.8.1']);
  });

  it('finds the index where pip would: requirements --index-url, then PIP_INDEX_URL, then PIP_CONFIG_FILE / pip.conf', async () => {
    const dead = 'http://127.0.0.1:9/simple/';
    const withReqIndex = await project({ 'requirements.txt': `--index-url ${index.url}\ncloudsig==1.2.0\n` });
    const releases = await pypi.listReleasesBetween('cloudsig', '1.5.0', '1.7.0', { projectDir: withReqIndex, env: envFor({ PIP_INDEX_URL: dead }) });
    expect(releases.map((r) => r.version)).toEqual(['1.6.0']);

    const withConf = await project({ 'requirements.txt': 'cloudsig==1.2.0\n', 'pip.conf': `[global]\nindex-url = ${dead}\n[install]\nindex-url = ${index.url}\n` });
    expect((await findIndexUrls({ projectDir: withConf, env: {} })).primary).toBe(index.url);
    expect((await findIndexUrls({ projectDir: withConf, env: { PIP_INDEX_URL: 'http://127.0.0.1:8/x' } })).primary).toBe('http://127.0.0.1:8/x/');
    // An index without the project (404) plus an extra index that has it: pip merges them, so do we.
    await writeFile(path.join(withConf, 'other.conf'), `[global]\nindex-url = ${index.origin}/nothing/\nextra-index-url =\n    ${index.url}\n`);
    const viaEnvFile = await findIndexUrls({ projectDir: withConf, env: { PIP_CONFIG_FILE: 'other.conf' } });
    expect(viaEnvFile).toMatchObject({ primary: `${index.origin}/nothing/`, extra: [index.url] });
    const merged = await pypi.listReleasesBetween('cloudsig', '1.5.0', '1.7.0', { projectDir: withConf, env: { PIP_CONFIG_FILE: 'other.conf' } });
    expect(merged.map((r) => r.version)).toEqual(['1.6.0']);
    // An index that cannot be reached is an error, not an empty list.
    await expect(pypi.listReleases('cloudsig', { projectDir: withConf, env: { PIP_INDEX_URL: dead }, timeoutMs: 2_000 })).rejects.toBeInstanceOf(RegistryError);
    await Promise.all([withReqIndex, withConf].map((d) => rm(d, { recursive: true, force: true })));
  });

  it("links the project's repository, compare view and changelog from the index's core metadata", async () => {
    const links = await pypi.packageLinks('cloudsig', { projectDir: work, env: envFor({ PIP_INDEX_URL: index.url }) });
    expect(links.repository).toBe('https://github.com/bumpbench-examples/cloudsig');
    expect(links.changelog).toBe('https://github.com/bumpbench-examples/cloudsig/blob/main/CHANGELOG.md');
    expect(links.compare?.('1.5.0', '1.6.0')).toBe('https://github.com/bumpbench-examples/cloudsig/compare/v1.5.0...v1.6.0');
  });

  it('says so when the project is not on the index', async () => {
    await expect(pypi.listReleases('no-such-project', { projectDir: work, env: envFor({ PIP_INDEX_URL: index.url }) })).rejects.toThrow(/no-such-project is not on the package index/);
  });
});

describe('Python pinning', () => {
  it('pins a direct and a transitive package; pip then installs exactly those versions', async () => {
    const dir = await project({ 'requirements.txt': '# app deps\ncloudsig==1.2.0  # signing\nappkit==1.0.0\n' });
    const ctx = { env: envFor({ PIP_INDEX_URL: index.url }) };

    // At base, pip picks the newest corelib appkit allows.
    await pipInstall(dir);
    expect(await installedVersion('cloudsig')).toBe('1.2.0');
    expect(await installedVersion('corelib')).toBe('1.2.0');

    const result = await pypi.pin(dir, { cloudsig: '1.6.0', corelib: '1.1.0' }, ctx);
    expect(result.changedFiles).toEqual([CONSTRAINTS_FILE, 'requirements.txt']);
    const requirements = await readFile(path.join(dir, 'requirements.txt'), 'utf8');
    expect(requirements).toContain('cloudsig==1.6.0  # signing');
    expect(requirements).toContain(`-c ${CONSTRAINTS_FILE}`);
    expect(result.env.PIP_CONSTRAINT).toBe(path.join(dir, CONSTRAINTS_FILE));

    await pipInstall(dir);
    expect(await installedVersion('cloudsig')).toBe('1.6.0');
    expect(await installedVersion('corelib')).toBe('1.1.0');
    expect(await installedVersion('appkit')).toBe('1.0.0');

    // Pinning again to other versions changes the cache key; the same versions give the same key.
    const again = await pypi.pin(dir, { cloudsig: '1.6.0', corelib: '1.1.0' }, ctx);
    expect(again.cacheKey).toBe(result.cacheKey);
    const other = await pypi.pin(dir, { cloudsig: '1.7.0', corelib: '1.1.0' }, ctx);
    expect(other.cacheKey).not.toBe(result.cacheKey);
    await rm(dir, { recursive: true, force: true });
  }, 180_000);

  it('rewrites --hash lines with the new release hashes, so hash-checking installs still pass', async () => {
    const base = cloudsigWheels.find((w) => w.filename.includes('-1.2.0-'))!;
    const dir = await project({ 'requirements.txt': `cloudsig==1.2.0 \\\n    --hash=sha256:${base.sha256}\n` });
    await pypi.pin(dir, { cloudsig: '1.9.0' }, { env: envFor({ PIP_INDEX_URL: index.url }) });
    const target = cloudsigWheels.find((w) => w.filename.includes('-1.9.0-'))!;
    const text = await readFile(path.join(dir, 'requirements.txt'), 'utf8');
    expect(text).toContain(`--hash=sha256:${target.sha256}`);
    expect(text).not.toContain(base.sha256);
    await pipInstall(dir, ['--require-hashes']);
    expect(await installedVersion('cloudsig')).toBe('1.9.0');
    await rm(dir, { recursive: true, force: true });
  }, 180_000);

  it('reports a release that does not exist as PinInstallError and leaves the tree as it was', async () => {
    const dir = await project({ 'requirements.txt': 'cloudsig==1.2.0\n' });
    const error = await pypi.pin(dir, { cloudsig: '1.6.5' }, { env: envFor({ PIP_INDEX_URL: index.url }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PinInstallError);
    expect((error as PinInstallError).message).toMatch(/cloudsig 1\.6\.5 is not on the package index/);
    expect((error as PinInstallError).versions).toEqual({ cloudsig: '1.6.5' });
    expect(await readFile(path.join(dir, 'requirements.txt'), 'utf8')).toBe('cloudsig==1.2.0\n');
    expect(existsSync(path.join(dir, CONSTRAINTS_FILE))).toBe(false);

    // Published, but for a Python this machine does not have: pip would find nothing to install.
    const future = await pypi.pin(dir, { futurelib: '2.0.0' }, { env: envFor({ PIP_INDEX_URL: index.url }) }).catch((e: unknown) => e);
    expect(future).toBeInstanceOf(PinInstallError);
    expect((future as Error).message).toMatch(/futurelib 2\.0\.0 requires Python >=4; the install uses Python 3\./);
    await expect(pypi.pin(dir, { futurelib: '1.0.0' }, { env: envFor({ PIP_INDEX_URL: index.url }) })).resolves.toMatchObject({ versions: { futurelib: '1.0.0' } });
    await writeFile(path.join(dir, 'requirements.txt'), 'cloudsig==1.2.0\n');

    const unknown = await pypi.pin(dir, { 'not-published': '1.0.0' }, { env: envFor({ PIP_INDEX_URL: index.url }) }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(PinInstallError);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses layouts it cannot pin into, saying what to do', async () => {
    const dir = await project({ 'pyproject.toml': '[project]\nname = "x"\n', 'poetry.lock': '' });
    await expect(pypi.pin(dir, { cloudsig: '1.6.0' }, { env: envFor({ PIP_INDEX_URL: index.url }) })).rejects.toBeInstanceOf(PinUnsupportedError);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('requirements and file-name reading', () => {
  it('rewrites only exact pins of the named package, keeping extras, markers and comments', () => {
    const text = [
      'Cloud_Sig[fast]==1.2.0 ; python_version >= "3.8"  # pinned',
      'cloud-sig-extras==1.2.0',
      'cloud-sig>=1.0',
      '# cloud-sig==1.2.0',
      '',
    ].join('\n');
    const { text: out, count } = rewritePins(text, 'cloud.sig', '1.6.0');
    expect(count).toBe(1);
    expect(out.split('\n')).toEqual([
      'Cloud_Sig[fast]==1.6.0 ; python_version >= "3.8"  # pinned',
      'cloud-sig-extras==1.2.0',
      'cloud-sig>=1.0',
      '# cloud-sig==1.2.0',
      '',
    ]);
  });

  it('reads versions from wheel and sdist names, PEP 503-normalising the project name', () => {
    expect(versionFromFilename('Cloud_Sig-1.0.0RC1-py3-none-any.whl', 'cloud.sig')).toEqual({ version: '1.0.0rc1', kind: 'wheel' });
    expect(versionFromFilename('cloud-sig-2.1.tar.gz', 'cloud_sig')).toEqual({ version: '2.1', kind: 'sdist' });
    expect(versionFromFilename('cloudsig-extras-1.0.0.tar.gz', 'cloudsig')).toBeNull();
    expect(versionFromFilename('cloudsig-1.0.0-1-py3-none-any.whl', 'cloudsig')).toEqual({ version: '1.0.0', kind: 'wheel' });
  });
});
