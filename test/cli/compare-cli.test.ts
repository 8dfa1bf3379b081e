// The compare command as a user runs it: bad input exits 2 with a message that names the key or flag.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRepo, tempDir, writeFiles } from '../helpers/git-repo.ts';
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
