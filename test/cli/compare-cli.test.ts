// The compare command as a user runs it: bad input exits 2 with a message that names the key or flag.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { commitOnBranch, createRepo, tempDir, writeFiles } from '../helpers/git-repo.ts';
import { cpuAppFiles } from '../helpers/cpu-app.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/bumpbench.js');
const repo = createRepo(cpuAppFiles(1000));
const dataDir = tempDir('bumpbench-data-');

function bumpbench(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

function compareWithConfig(yaml: string) {
  const dir = tempDir();
  writeFiles(dir, { 'bumpbench.yml': yaml });
  return bumpbench('compare', '--repo', repo, '--base', 'main', '--head', 'main', '--config', path.join(dir, 'bumpbench.yml'), '--data-dir', dataDir);
}

describe('bumpbench compare: bad input', () => {
  it('refuses a config without start', () => {
    const r = compareWithConfig('scenarios:\n  - name: a\n    path: /\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/start: required/);
  });

  it('refuses an unknown key, naming it', () => {
    const r = compareWithConfig('start: node server.js\nscenarioz: []\nscenarios:\n  - name: a\n    path: /\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/scenarioz: unknown key/);
  });

  it('refuses a negative duration, naming the scenario key', () => {
    const r = compareWithConfig('start: node server.js\nscenarios:\n  - name: a\n    path: /\n    duration: -2s\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/scenarios\[0\]\.duration: must be positive/);
  });

  it('refuses a ref that does not exist and missing flags', () => {
    const r = bumpbench('compare', '--repo', repo, '--base', 'main', '--head', 'nope', '--data-dir', dataDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot resolve "nope"/);
    const missing = bumpbench('compare', '--repo', repo, '--base', 'main');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--head is required/);
    const neither = bumpbench('compare', '--repo', repo);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/--base and --head are required/);
  });

  it('fails with the server output when the server never starts', () => {
    const r = compareWithConfig('start: node -e "console.error(\'boom, no database\'); process.exit(3)"\nscenarios:\n  - name: a\n    path: /\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/did not start/);
    expect(r.stderr).toMatch(/boom, no database/);
    // The file given with --config, not the one that was not read.
    expect(r.stderr).toMatch(/Check `start` and `ready` in \/\S+\/bumpbench\.yml\./);
    expect(r.stderr).not.toContain('.github/bumpbench.yml');
  });
});

describe('bumpbench compare: a bump of dev dependencies only', () => {
  const manifest = (jest: string) => JSON.stringify({ name: 'app', dependencies: { express: '^4.18.0' }, devDependencies: { jest: `^${jest}` } });
  const lockfile = (jest: string) =>
    JSON.stringify({
      name: 'app', lockfileVersion: 3,
      packages: {
        '': { name: 'app', dependencies: { express: '^4.18.0' }, devDependencies: { jest: `^${jest}` } },
        'node_modules/express': { version: '4.18.2' },
        'node_modules/jest': { version: jest, dev: true },
      },
    });
  const devRepo = createRepo({ ...cpuAppFiles(1000), 'package.json': manifest('29.6.0'), 'package-lock.json': lockfile('29.6.0') });
  commitOnBranch(devRepo, 'bump-jest', { 'package.json': manifest('29.7.0'), 'package-lock.json': lockfile('29.7.0') }, 'Bump jest from 29.6.0 to 29.7.0');

  it('is skipped: a note, exit 0, nothing measured, and the JSON says why', () => {
    const json = path.join(tempDir(), 'result.json');
    const r = bumpbench('compare', '--repo', devRepo, '--base', 'main', '--head', 'bump-jest', '--data-dir', dataDir, '--json', json);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('## bumpbench: Skipped (dev dependencies only)');
    expect(r.stdout).toContain('Skipped: the bump changes 1 dev dependency (jest 29.6.0 → 29.7.0) and nothing the server runs');
    expect(r.stdout).toContain('--measure-dev-only');
    expect(r.stderr).not.toMatch(/installing|pair 1/);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result).toMatchObject({ verdict: 'unchanged', scenarios: [], skipped: { reason: 'dev-only' } });
    expect(result.changes).toEqual([expect.objectContaining({ name: 'jest', scope: 'dev', direct: true })]);
  });
});
