// The npm ecosystem against a real local registry (verdaccio) holding the example libraries, and real
// npm installs of pinned trees.
import { createServer, request, type Server } from 'node:http';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecosystems, PinInstallError, RegistryError } from '../../src/ecosystems/index.ts';
import { authHeaderFor, loadNpmSettings, parseNpmrc, registryFor } from '../../src/ecosystems/npm/npmrc.ts';
import { repositoryWebUrl } from '../../src/ecosystems/shared/links.ts';
import { publishExamplePackages, startLocalNpmRegistry, type LocalNpmRegistry } from '../../src/demo/npm-registry.ts';
import { TEXTKIT } from '../../src/demo/example-packages.ts';
import { isolatedEnv, run, tempDir } from './helpers.ts';

const npm = ecosystems.npm;
const ORDERING = '@bumpbench-examples/ordering-fixture';
const USES_TEXTKIT = '@bumpbench-examples/uses-textkit-fixture';
const SOMETIMES_BROKEN = '@bumpbench-examples/sometimes-broken-fixture';
const work = tempDir('bumpbench-npm-eco-');
let registry: LocalNpmRegistry;
const servers: Server[] = [];

function envFor(extra: Record<string, string> = {}): Record<string, string> {
  return isolatedEnv(path.join(work, 'home'), extra);
}

async function writeTree(dir: string, files: Record<string, string>): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

/** A Node project using the local registry, with a lockfile made by npm itself (the state at base). */
async function nodeProject(dependencies: Record<string, string>): Promise<string> {
  const dir = tempDir('bumpbench-npm-project-');
  await writeTree(dir, {
    'package.json': `${JSON.stringify({ name: 'pin-fixture', version: '1.0.0', private: true, dependencies }, null, 2)}\n`,
    '.npmrc': `registry=${registry.url}/\n`,
  });
  await run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], dir, envFor());
  return dir;
}

async function installedVersion(dir: string, name: string): Promise<string> {
  return JSON.parse(await readFile(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version as string;
}

/** Example packages for these tests only: published out of version order, prereleases, a dependent. */
async function publishFixtures(): Promise<void> {
  const dir = path.join(work, 'npm-packages');
  const releases = (versions: string[]) => versions.map((version) => ({ version, notes: `release ${version}`, ...(version.includes('-') ? { tag: 'next' } : {}) }));
  await writeTree(dir, {
    'ordering/index.js': "module.exports = '__VERSION__';\n",
    'ordering/releases.json': JSON.stringify({
      name: ORDERING,
      description: 'Releases published out of version order.',
      files: { 'index.js': 'index.js' },
      releases: releases(['1.0.0', '1.10.0', '1.9.0', '1.2.0', '2.0.0-beta.1', '2.0.0-beta.2', '2.0.0']),
    }),
    'uses-textkit/index.js': "module.exports = { textkitVersion: require('@bumpbench-examples/textkit/package.json').version };\n",
    'uses-textkit/releases.json': JSON.stringify({
      name: USES_TEXTKIT,
      description: 'Depends on textkit, so textkit is a transitive dependency of its users.',
      files: { 'index.js': 'index.js' },
      releases: [{ version: '1.0.0', notes: 'First release.', packageJson: { dependencies: { [TEXTKIT]: '^1.0.0' } } }],
    }),
    'sometimes-broken/index.js': 'module.exports = 1;\n',
    'sometimes-broken/releases.json': JSON.stringify({
      name: SOMETIMES_BROKEN,
      description: 'Its 1.1.0 depends on a package that was never published, so it cannot be installed.',
      files: { 'index.js': 'index.js' },
      releases: [
        { version: '1.0.0', notes: 'Fine.' },
        { version: '1.1.0', notes: 'Broken.', packageJson: { dependencies: { '@bumpbench-examples/never-published': '1.0.0' } } },
      ],
    }),
  });
  await publishExamplePackages(registry.url, { packagesDir: dir });
}

beforeAll(async () => {
  registry = await startLocalNpmRegistry();
  await publishExamplePackages(registry.url, { only: [TEXTKIT] });
  await publishFixtures();
}, 180_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

function projectCtx(npmrc: string, env: Record<string, string> = {}): Promise<{ projectDir: string; env: Record<string, string> }> {
  const dir = path.join(work, `ctx-${Math.random().toString(36).slice(2)}`);
  return writeTree(dir, { '.npmrc': npmrc }).then((projectDir) => ({ projectDir, env: envFor(env) }));
}

describe('npm release lists', () => {
  it('lists textkit releases between 1.2.0 and 1.9.0 without the prerelease or the deprecated release', async () => {
    const ctx = await projectCtx(`registry=${registry.url}/\n`);
    const between = await npm.listReleasesBetween(TEXTKIT, '1.2.0', '1.9.0', ctx);
    expect(between.map((r) => r.version)).toEqual(['1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.7.0', '1.8.0']);
    const all = await npm.listReleases(TEXTKIT, ctx);
    expect(all.find((r) => r.version === '1.8.1')?.deprecated).toMatch(/published by mistake/);
    expect(all.find((r) => r.version === '1.7.0-beta.1')?.prerelease).toBe(true);
    expect(all.every((r) => typeof r.publishedAt === 'string')).toBe(true);
  });

  it('orders by semver (1.10.0 after 1.9.0), never by publication time', async () => {
    const ctx = await projectCtx(`registry=${registry.url}/\n`);
    expect((await npm.listReleasesBetween(ORDERING, '1.0.0', '2.0.0', ctx)).map((r) => r.version)).toEqual(['1.2.0', '1.9.0', '1.10.0']);
    expect((await npm.listReleasesBetween(ORDERING, '2.0.0', '1.0.0', ctx)).map((r) => r.version)).toEqual(['1.2.0', '1.9.0', '1.10.0']);
    // From a prerelease, the prereleases of that line are what there is to search.
    expect((await npm.listReleasesBetween(ORDERING, '2.0.0-beta.1', '2.0.0', ctx)).map((r) => r.version)).toEqual(['2.0.0-beta.2']);
  });

  it('links the repository and the compare view between two tags', async () => {
    const ctx = await projectCtx(`registry=${registry.url}/\n`);
    const links = await npm.packageLinks(TEXTKIT, ctx);
    expect(links.repository).toBe('https://github.com/bumpbench-examples/textkit');
    expect(links.compare?.('1.5.0', '1.6.0')).toBe('https://github.com/bumpbench-examples/textkit/compare/v1.5.0...v1.6.0');
  });

  it("uses the scope's registry, and npm_config_* over the project's .npmrc", async () => {
    const dead = 'http://127.0.0.1:9/';
    const scoped = await projectCtx(`registry=${dead}\n@bumpbench-examples:registry=${registry.url}\n`);
    expect((await npm.listReleasesBetween(TEXTKIT, '1.5.0', '1.7.0', scoped)).map((r) => r.version)).toEqual(['1.6.0']);
    const viaEnv = await projectCtx(`registry=${dead}\n`, { npm_config_registry: registry.url });
    expect((await npm.listReleasesBetween(TEXTKIT, '1.5.0', '1.7.0', viaEnv)).map((r) => r.version)).toEqual(['1.6.0']);
    const deadOnly = await projectCtx(`registry=${dead}\n`);
    await expect(npm.listReleases(TEXTKIT, { ...deadOnly, timeoutMs: 2_000 })).rejects.toBeInstanceOf(RegistryError);
  });

  it('sends the configured auth token to a registry that requires one', async () => {
    // A registry front that demands a token and forwards to verdaccio.
    const target = new URL(registry.url);
    const front = createServer((req, res) => {
      if (req.headers.authorization !== 'Bearer s3cret-token') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
        return;
      }
      const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { accept: req.headers.accept ?? '*/*' } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end();
    });
    servers.push(front);
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const port = (front.address() as { port: number }).port;
    const npmrc = `registry=http://127.0.0.1:${port}/\n//127.0.0.1:${port}/:_authToken=\${TEST_REGISTRY_TOKEN}\n`;
    const withToken = await projectCtx(npmrc, { TEST_REGISTRY_TOKEN: 's3cret-token' });
    expect((await npm.listReleasesBetween(TEXTKIT, '1.5.0', '1.7.0', withToken)).map((r) => r.version)).toEqual(['1.6.0']);
    const withoutToken = await projectCtx(npmrc);
    await expect(npm.listReleases(TEXTKIT, withoutToken)).rejects.toThrow(/HTTP 401 \(check the registry credentials\)/);
  });
});

describe('npm pinning', () => {
  it('pins a direct dependency: the regenerated lockfile installs it with npm ci', async () => {
    const dir = await nodeProject({ [TEXTKIT]: '1.2.0' });
    const result = await npm.pin(dir, { [TEXTKIT]: '1.6.0' }, { env: envFor() });
    expect(result.changedFiles).toEqual(['package.json', 'package-lock.json']);
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest.dependencies[TEXTKIT]).toBe('1.6.0');
    expect(manifest.overrides[TEXTKIT]).toBe('1.6.0');

    await run('npm', ['ci', '--no-audit', '--no-fund'], dir, envFor());
    expect(await installedVersion(dir, TEXTKIT)).toBe('1.6.0');
    const required = await run('node', ['-e', `console.log(require('${TEXTKIT}/package.json').version)`], dir, envFor());
    expect(required.trim()).toBe('1.6.0');
    await rm(dir, { recursive: true, force: true });
  }, 180_000);

  it('pins a transitive dependency through overrides, leaving the rest as at base', async () => {
    const dir = await nodeProject({ [USES_TEXTKIT]: '1.0.0' });
    const baseLock = JSON.parse(await readFile(path.join(dir, 'package-lock.json'), 'utf8'));
    expect(baseLock.packages[`node_modules/${TEXTKIT}`].version).toBe('1.9.0');

    const result = await npm.pin(dir, { [TEXTKIT]: '1.4.0' }, { env: envFor() });
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toEqual({ [USES_TEXTKIT]: '1.0.0' });
    expect(manifest.overrides).toEqual({ [TEXTKIT]: '1.4.0' });

    await run('npm', ['ci', '--no-audit', '--no-fund'], dir, envFor());
    expect(await installedVersion(dir, USES_TEXTKIT)).toBe('1.0.0');
    const seen = await run('node', ['-e', `console.log(require('${USES_TEXTKIT}').textkitVersion)`], dir, envFor());
    expect(seen.trim()).toBe('1.4.0');

    const other = await npm.pin(dir, { [TEXTKIT]: '1.5.0' }, { env: envFor() });
    expect(other.cacheKey).not.toBe(result.cacheKey);
    await rm(dir, { recursive: true, force: true });
  }, 180_000);

  it('reports a release that does not exist as PinInstallError and leaves package.json as it was', async () => {
    const dir = await nodeProject({ [TEXTKIT]: '1.2.0' });
    const before = await readFile(path.join(dir, 'package.json'), 'utf8');
    const error = await npm.pin(dir, { [TEXTKIT]: '1.6.5' }, { env: envFor() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PinInstallError);
    expect((error as PinInstallError).message).toMatch(/1\.6\.5 is not published/);
    expect(await readFile(path.join(dir, 'package.json'), 'utf8')).toBe(before);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('reports a published release that npm cannot resolve as PinInstallError, with npm\'s output', async () => {
    const dir = await nodeProject({ [SOMETIMES_BROKEN]: '1.0.0' });
    const before = await readFile(path.join(dir, 'package.json'), 'utf8');
    const lockBefore = await readFile(path.join(dir, 'package-lock.json'), 'utf8');
    const error = await npm.pin(dir, { [SOMETIMES_BROKEN]: '1.1.0' }, { env: envFor() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PinInstallError);
    expect((error as PinInstallError).message).toMatch(/npm could not resolve @bumpbench-examples\/sometimes-broken-fixture@1\.1\.0/);
    expect((error as PinInstallError).outputTail).toMatch(/404|never-published/);
    expect(await readFile(path.join(dir, 'package.json'), 'utf8')).toBe(before);
    expect(await readFile(path.join(dir, 'package-lock.json'), 'utf8')).toBe(lockBefore);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('writes yarn resolutions and pnpm overrides, and says the lockfile must be updated by the install', async () => {
    for (const [lockfile, field] of [
      ['yarn.lock', 'resolutions'],
      ['pnpm-lock.yaml', 'pnpm.overrides'],
    ] as const) {
      const dir = tempDir('bumpbench-npm-other-');
      await writeTree(dir, {
        'package.json': `${JSON.stringify({ name: 'x', dependencies: { [TEXTKIT]: '^1.2.0' } }, null, 4)}\n`,
        [lockfile]: '',
        '.npmrc': `registry=${registry.url}/\n`,
      });
      const result = await npm.pin(dir, { [TEXTKIT]: '1.6.0' }, { env: envFor() });
      const text = await readFile(path.join(dir, 'package.json'), 'utf8');
      const manifest = JSON.parse(text);
      const overrides = field === 'resolutions' ? manifest.resolutions : manifest.pnpm.overrides;
      expect(overrides).toEqual({ [TEXTKIT]: '1.6.0' });
      expect(manifest.dependencies[TEXTKIT]).toBe('1.6.0');
      expect(text).toMatch(/^ {4}"name"/m); // the file's own indentation is kept
      expect(result.installCommand).toMatch(/--no-frozen-lockfile/);
      expect(result.notes.join(' ')).toContain(`${lockfile} was not regenerated`);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('npm configuration reading', () => {
  it('picks the token whose registry path is the longest prefix of the request URL', () => {
    const settings = parseNpmrc(
      ['//npm.example.com/:_authToken=${A}', '//npm.example.com/private/:_authToken=${B}', "//other.example.com/:_auth='dXNlcjpwYXNz'"].join('\n'),
      { A: 'token-a', B: 'token-b' },
    );
    expect(authHeaderFor('https://npm.example.com/private/@s%2fp', settings)).toBe('Bearer token-b');
    expect(authHeaderFor('https://npm.example.com/lodash', settings)).toBe('Bearer token-a');
    expect(authHeaderFor('https://other.example.com/x', settings)).toBe('Basic dXNlcjpwYXNz');
    expect(authHeaderFor('https://registry.npmjs.org/x', settings)).toBeUndefined();
  });

  it("reads a yarn berry project's .yarnrc.yml instead of .npmrc", async () => {
    const dir = await writeTree(tempDir('bumpbench-yarnrc-'), {
      '.npmrc': 'registry=http://127.0.0.1:9/\n',
      '.yarnrc.yml': [
        'npmRegistryServer: "https://npm.example.com"',
        'npmScopes:',
        '  corp:',
        '    npmRegistryServer: "https://corp.example.com/npm"',
        '    npmAuthToken: "${CORP_TOKEN:-none}"',
        '',
      ].join('\n'),
    });
    const settings = loadNpmSettings({ projectDir: dir, env: { CORP_TOKEN: 'corp-secret' } });
    expect(registryFor('left-pad', settings)).toBe('https://npm.example.com/');
    expect(registryFor('@corp/tool', settings)).toBe('https://corp.example.com/npm/');
    expect(authHeaderFor('https://corp.example.com/npm/@corp%2ftool', settings)).toBe('Bearer corp-secret');
    expect(authHeaderFor('https://npm.example.com/left-pad', settings)).toBeUndefined();
    await rm(dir, { recursive: true, force: true });
  });

  it('turns the repository forms npm metadata uses into web URLs', () => {
    expect(repositoryWebUrl('git+https://github.com/o/r.git')).toBe('https://github.com/o/r');
    expect(repositoryWebUrl('git@github.com:o/r.git')).toBe('https://github.com/o/r');
    expect(repositoryWebUrl('github:o/r')).toBe('https://github.com/o/r');
    expect(repositoryWebUrl('o/r')).toBe('https://github.com/o/r');
    expect(repositoryWebUrl('https://gitlab.com/o/r/-/tree/main')).toBe('https://gitlab.com/o/r');
    expect(repositoryWebUrl('https://example.com/o/r')).toBeNull();
  });
});
