// A side's environment and setup as prepareSide makes them: env_file read at the side's commit, ${...}
// expanded (PORT for the server only), unknown names and missing files refused with the key named, and
// setup run once without services too. A repository without a lockfile, so there is nothing to install.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { UserFacingError } from '../../src/pipeline/errors.ts';
import { prepareSide, releaseSide, type PreparedSide } from '../../src/pipeline/prepare-side.ts';
import { DEFAULT_LIMITS, Sandbox } from '../../src/sandbox/sandbox.ts';
import { sandboxSupport } from '../../src/sandbox/support.ts';
import { removeWorktree } from '../../src/workspace/git.ts';
import { createRepo, git, tempDir } from '../helpers/git-repo.ts';

const root = tempDir('bumpbench-side-env-');
const repo = createRepo({ '.env.example': 'APP_URL=http://localhost:3000\nDATABASE_URL=postgres://u:p@localhost/app\n# a comment\n', 'server.js': '' });
const sandbox = new Sandbox({ enabled: sandboxSupport().ok, scratchDir: path.join(root, 'scratch'), network: 'loopback', allowHosts: [], readOnly: [], limits: DEFAULT_LIMITS });
const prepared: PreparedSide[] = [];
let step = 0;

afterAll(async () => {
  for (const side of prepared) {
    await releaseSide(side);
    await removeWorktree(side.worktree);
  }
  await sandbox.close();
});

async function prepare(config: Record<string, unknown>): Promise<PreparedSide> {
  const side = await prepareSide({
    label: 'base', repoDir: repo, sha: git(repo, 'rev-parse', 'HEAD'), worktreeDir: path.join(root, 'work', `side-${++step}`), cacheDir: path.join(root, 'cache'),
    config: validateConfig({ start: 'node server.js', scenarios: [{ name: 'a', path: '/' }], ...config }), sandbox, cacheScope: repo,
  });
  prepared.push(side);
  return side;
}

const failureOf = (config: Record<string, unknown>): Promise<Error> => prepare(config).then(
  () => new Error('expected the side to be refused'),
  (err: unknown) => err as Error,
);

describe('a side\'s environment', () => {
  it('layers env_file under env, expands ${...}, and gives ${PORT} to the server only', async () => {
    const side = await prepare({
      env_file: '.env.example',
      env: { API: '${APP_URL}/api', API_PORT: '${PORT}', DATABASE_URL: '${DATABASE_URL}?sslmode=disable', SELF: 'http://${HOST}:${PORT}' },
    });
    expect(side.env).toMatchObject({ APP_URL: 'http://localhost:3000', API: 'http://localhost:3000/api', DATABASE_URL: 'postgres://u:p@localhost/app?sslmode=disable' });
    expect(side.env.API_PORT).toBeUndefined();
    expect(side.serverEnv(4321)).toMatchObject({ API_PORT: '4321', SELF: 'http://127.0.0.1:4321', API: 'http://localhost:3000/api' });
  });

  it('refuses a name neither env, the env_file nor a service defines, before the install', async () => {
    const err = await failureOf({ env_file: '.env.example', env: { URL: '${APP_URLL}' } });
    expect(err).toBeInstanceOf(UserFacingError);
    expect(err.message).toMatch(/^env\.URL: \$\{APP_URLL\} is not a known variable: use PORT, HOST, a key of env or env_file/);
  });

  it('names a missing env_file', async () => {
    const err = await failureOf({ env_file: '.env.missing' });
    expect(err.message).toMatch(/^env_file: \.env\.missing does not exist in base \([0-9a-f]{7}\); commit it, or fix the path/);
    expect((await failureOf({ env_file: '../outside' })).message).toBe('env_file: "../outside" points outside the repository');
  });
});

describe('setup without services', () => {
  it('runs once, in the checkout (an app seeding its SQLite file)', async () => {
    const side = await prepare({ setup: ['echo seeded > seed.txt', 'echo "$APP_URL" >> seed.txt'], env_file: '.env.example' });
    expect(readFileSync(path.join(side.projectDir, 'seed.txt'), 'utf8')).toBe('seeded\nhttp://localhost:3000\n');
  });

  it('a failing setup command says which, with its output', async () => {
    const err = await failureOf({ setup: ['echo migrating; echo "relation users already exists" >&2; exit 4'] });
    expect(err).toBeInstanceOf(UserFacingError);
    expect(err.message).toMatch(/^base \([0-9a-f]{7}\): setup failed \(`echo migrating; .*` exited with 4\)\.$/);
    expect((err as UserFacingError).detail).toContain('relation users already exists');
    expect(existsSync(path.join(root, 'work', `side-${step}-services`))).toBe(false);
  });
});
