// Installs that behave: a repository whose own prepublish runs its (failing) test suite installs without
// running it, its dependencies' install scripts still run (native modules), and a failing script is named.
// Real npm in the real sandbox, on a repository with a `file:` tarball dependency (no registry needed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { UserFacingError } from '../../src/pipeline/errors.ts';
import { prepareSide, releaseSide, type PreparedSide } from '../../src/pipeline/prepare-side.ts';
import { DEFAULT_LIMITS, Sandbox } from '../../src/sandbox/sandbox.ts';
import { sandboxSupport } from '../../src/sandbox/support.ts';
import { machineRuntime } from '../../src/runtimes/index.ts';
import { describeFailedScript, findFailedScript } from '../../src/workspace/install-failure.ts';
import { removeWorktree } from '../../src/workspace/git.ts';
import { createRepo, git, tempDir } from '../helpers/git-repo.ts';

const root = tempDir('bumpbench-install-scripts-');
let repo: string;
let sandbox: Sandbox;
const prepared: PreparedSide[] = [];
let step = 0;

/** A package tarball made with `npm pack` from a manifest. */
function packTarball(dir: string, manifest: Record<string, unknown>): string {
  const src = path.join(root, `src-${String(manifest.name)}`);
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'package.json'), JSON.stringify(manifest));
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: src, encoding: 'utf8' }).trim();
  return name;
}

/**
 * A Node-API addon in C with no install script: npm compiles a package with a binding.gyp by running
 * `node-gyp rebuild`, as it does bcrypt or sqlite3 when their prebuilt binary cannot be downloaded.
 */
function packNativeAddon(dir: string): string {
  const src = path.join(root, 'src-native-answer');
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'package.json'), JSON.stringify({ name: 'native-answer', version: '1.0.0', main: 'index.js', gypfile: true }));
  writeFileSync(path.join(src, 'binding.gyp'), JSON.stringify({ targets: [{ target_name: 'answer', sources: ['answer.c'] }] }));
  writeFileSync(path.join(src, 'index.js'), "module.exports = require('./build/Release/answer.node');\n");
  writeFileSync(path.join(src, 'answer.c'), [
    '#include <node_api.h>',
    'static napi_value Answer(napi_env env, napi_callback_info info) { napi_value v; napi_create_int32(env, 42, &v); return v; }',
    'NAPI_MODULE_INIT() {',
    '  napi_value fn;',
    '  napi_create_function(env, "answer", NAPI_AUTO_LENGTH, Answer, NULL, &fn);',
    '  napi_set_named_property(env, exports, "answer", fn);',
    '  return exports;',
    '}',
    '',
  ].join('\n'));
  return execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: src, encoding: 'utf8' }).trim();
}

const OWN_SCRIPTS = {
  // What a library author's manifest often says: run the test suite before publishing. It fails here.
  test: "node -e \"require('fs').writeFileSync('test-suite-ran', ''); process.exit(1)\"",
  prepublish: 'npm test',
  prepare: "node -e \"require('fs').writeFileSync('prepare-ran', '')\"",
  postinstall: "node -e \"require('fs').writeFileSync('own-postinstall-ran', '')\"",
  start: 'node server.js',
};

beforeAll(() => {
  const vendor = path.join(root, 'vendor');
  mkdirSync(vendor);
  const good = packTarball(vendor, {
    name: 'native-ish', version: '1.0.0', scripts: { install: "node -e \"require('fs').writeFileSync('built.txt', 'ok')\"" },
  });
  const bad = packTarball(vendor, {
    name: 'native-bad', version: '2.1.0', scripts: { postinstall: "node -e \"console.error('gyp ERR! no compiler'); process.exit(3)\"" },
  });
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'app', version: '1.0.0', private: true, scripts: OWN_SCRIPTS, dependencies: { 'native-ish': `file:vendor/${good}` } }, null, 2),
    [`vendor/${good}`]: '',
    [`vendor/${bad}`]: '',
  };
  repo = createRepo({ '.gitignore': 'node_modules\n' });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(repo, name)), { recursive: true });
    if (name.startsWith('vendor/')) writeFileSync(path.join(repo, name), readFileSync(path.join(vendor, path.basename(name))));
    else writeFileSync(path.join(repo, name), content);
  }
  execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: repo, stdio: 'ignore' });
  rmSync(path.join(repo, 'node_modules'), { recursive: true, force: true });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'app with a prepublish that runs its failing tests');
  // A branch whose dependency's own install script fails.
  git(repo, 'checkout', '-q', '-b', 'bad-dep');
  const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
  manifest.dependencies = { 'native-bad': `file:vendor/${bad}` };
  writeFileSync(path.join(repo, 'package.json'), JSON.stringify(manifest, null, 2));
  execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: repo, stdio: 'ignore' });
  rmSync(path.join(repo, 'node_modules'), { recursive: true, force: true });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'depend on a package whose postinstall fails');
  // A branch whose dependency is a native addon without a prebuilt binary: npm compiles it with node-gyp.
  git(repo, 'checkout', '-q', 'main');
  git(repo, 'checkout', '-q', '-b', 'native-addon');
  const addon = packNativeAddon(vendor);
  writeFileSync(path.join(repo, 'vendor', addon), readFileSync(path.join(vendor, addon)));
  manifest.dependencies = { 'native-answer': `file:vendor/${addon}` };
  writeFileSync(path.join(repo, 'package.json'), JSON.stringify(manifest, null, 2));
  execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: repo, stdio: 'ignore' });
  rmSync(path.join(repo, 'node_modules'), { recursive: true, force: true });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'depend on a native addon');
  git(repo, 'checkout', '-q', 'main');
  sandbox = new Sandbox({ enabled: sandboxSupport().ok, scratchDir: path.join(root, 'scratch'), network: 'loopback', allowHosts: [], readOnly: [], limits: DEFAULT_LIMITS });
});

afterAll(async () => {
  for (const side of prepared) {
    await releaseSide(side);
    await removeWorktree(side.worktree);
  }
  await sandbox?.close();
});

async function prepare(install: unknown, ref = 'main'): Promise<PreparedSide> {
  const config = validateConfig({ start: 'node server.js', scenarios: [{ name: 'a', path: '/' }], ...(install === undefined ? {} : { install }) });
  // The side runs on this machine's Node, found on PATH as a job finds it when the repo pins none.
  const node = await machineRuntime('node', process.env.PATH ?? '', repo);
  const side = await prepareSide({
    label: 'base', repoDir: repo, sha: git(repo, 'rev-parse', ref), worktreeDir: path.join(root, 'work', `side-${++step}`),
    cacheDir: path.join(root, 'cache'), config, sandbox, cacheScope: repo, runtimes: node ? [node] : [],
  });
  prepared.push(side);
  return side;
}

describe('installs that behave', () => {
  it('by default: the project\'s own prepublish/prepare/postinstall do not run, its dependencies\' install scripts do', async () => {
    const side = await prepare(undefined);
    for (const marker of ['test-suite-ran', 'prepare-ran', 'own-postinstall-ran']) expect(existsSync(path.join(side.projectDir, marker))).toBe(false);
    expect(readFileSync(path.join(side.projectDir, 'node_modules', 'native-ish', 'built.txt'), 'utf8')).toBe('ok');
    // The manifest is back as committed.
    expect(readFileSync(path.join(side.projectDir, 'package.json'), 'utf8')).toBe(git(repo, 'show', 'main:package.json') + '');
  });

  it('install.scripts: all runs the project\'s own, and the failure names the script and its command', async () => {
    const failure = await prepare({ scripts: 'all' }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UserFacingError);
    const message = (failure as Error).message;
    expect(message).toContain(`install failed (\`npm ci --no-audit --no-fund\` exited with 1): the project's own "prepublish" script failed (\`npm test\`)`);
    expect(message).toContain('`install: { scripts: all }`');
  });

  it('install.scripts: none runs no script at all', async () => {
    const side = await prepare({ scripts: 'none' });
    expect(existsSync(path.join(side.projectDir, 'node_modules', 'native-ish', 'built.txt'))).toBe(false);
    expect(existsSync(path.join(side.projectDir, 'prepare-ran'))).toBe(false);
  });

  it('a native addon without a prebuilt binary compiles against the side\'s Node headers, with no download', async () => {
    // The sandbox's network reaches no nodejs.org: node-gyp must find the running Node's headers on the machine.
    const side = await prepare(undefined, 'native-addon');
    const addon = path.join(side.projectDir, 'node_modules', 'native-answer');
    const answer = execFileSync(process.execPath, ['-p', `require(${JSON.stringify(addon)}).answer()`], { encoding: 'utf8' }).trim();
    expect(answer).toBe('42');
  });

  it('a dependency whose install script fails is named, with its command', async () => {
    const failure = await prepare(undefined, 'bad-dep').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UserFacingError);
    expect((failure as Error).message).toContain(
      `the install script of the dependency native-bad@2.1.0 failed (\`node -e "console.error('gyp ERR! no compiler'); process.exit(3)"\`)`,
    );
    expect((failure as UserFacingError).detail).toContain('gyp ERR! no compiler');
  });
});

describe('the failed script, read from other package managers\' output', () => {
  it('pnpm: a dependency\'s script', () => {
    const output = [
      'Progress: resolved 12, reused 12, downloaded 0, added 12, done',
      'node_modules/.pnpm/esbuild@0.25.11/node_modules/esbuild: Running postinstall script, failed in 52ms',
      '.../node_modules/esbuild postinstall$ node install.js',
      '│ Error: spawn EACCES',
      '└─ Failed in 52ms at /w/node_modules/.pnpm/esbuild@0.25.11/node_modules/esbuild',
      ' ELIFECYCLE  Command failed with exit code 1.',
    ].join('\n');
    expect(findFailedScript(output, '/nonexistent')).toEqual({ package: 'esbuild', event: 'postinstall', command: 'node install.js' });
  });

  it('pnpm: the project\'s own script; yarn 1 and yarn berry', () => {
    expect(findFailedScript('> app@1.0.0 prepare /w\n> husky install\n\nhusky - .git can\'t be found\n ELIFECYCLE  Command failed with exit code 1.', '/w')).toEqual({
      package: null, event: 'prepare', command: 'husky install',
    });
    const yarn1 = 'error /w/node_modules/sharp: Command failed.\nExit code: 1\nCommand: (node install/libvips && node install/dll-copy && prebuild-install) || (node install/can-compile)\nArguments: \nDirectory: /w/node_modules/sharp';
    expect(findFailedScript(yarn1, '/w')).toMatchObject({ package: 'sharp', command: '(node install/libvips && node install/dll-copy && prebuild-install) || (node install/can-compile)' });
    const berry = '➤ YN0000: ┌ Link step\n➤ YN0009: │ bcrypt@npm:5.1.1 couldn\'t be built successfully (exit code 1, logs can be found here: /tmp/xfs-1/build.log)';
    expect(findFailedScript(berry, '/w')).toEqual({ package: 'bcrypt@5.1.1', event: null, command: null });
    expect(findFailedScript('npm error code ENOTFOUND\nnpm error network request failed', '/w')).toBeNull();
  });

  it('says what to switch for each kind of script', () => {
    expect(describeFailedScript({ package: null, event: 'prepare', command: 'husky install' })).toMatch(/^the project's own "prepare" script failed \(`husky install`\)\. bumpbench runs/);
    expect(describeFailedScript({ package: 'sharp@0.33.1', event: null, command: null })).toMatch(/^the install script of the dependency sharp@0\.33\.1 failed\. .*scripts: none/);
  });
});
