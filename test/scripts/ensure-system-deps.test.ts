// scripts/ensure-system-deps (npm test's pretest) on this machine, with parts hidden from PATH rather than
// uninstalled: a bin dir of links to everything on PATH except the hidden names. Always --check, so it
// never installs anything, whoever runs the tests.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/git-repo.ts';

const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/ensure-system-deps');
const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A PATH of one dir holding what the real PATH holds, minus `hide`, plus `extra` scripts. */
function pathWithout(hide: string[], extra: Record<string, string> = {}): string {
  const dir = tempDir('bumpbench-path-');
  made.push(dir);
  for (const [name, body] of Object.entries(extra)) {
    writeFileSync(path.join(dir, name), body);
    chmodSync(path.join(dir, name), 0o755);
  }
  for (const from of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!from || !existsSync(from)) continue;
    for (const name of readdirSync(from)) {
      if (hide.includes(name) || existsSync(path.join(dir, name))) continue;
      symlinkSync(path.join(from, name), path.join(dir, name));
    }
  }
  return dir;
}

function check(PATH?: string) {
  const started = Date.now();
  const r = spawnSync('bash', [SCRIPT, '--check'], { encoding: 'utf8', env: { ...process.env, ...(PATH ? { PATH } : {}) } });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout, ms: Date.now() - started };
}

describe('scripts/ensure-system-deps --check', () => {
  it('passes quietly but for one line when every part is here', () => {
    const r = check();
    expect(r.stderr).toMatch(/^ensure-system-deps: all \d+ system parts the tests use are present; user namespaces work\n$/);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(3000); // well under 1 s on a quiet machine; this allows for a busy one
  });

  it('names each hidden part with the command that installs it, each package once in the combined line', () => {
    const r = check(pathWithout(['redis-server', 'wrk', 'prlimit', 'nsenter', 'python3']));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('ensure-system-deps: 5 system part(s) the tests need are missing:');
    for (const [part, pkg] of [['redis-server', 'redis-server'], ['prlimit', 'util-linux'], ['nsenter', 'util-linux'], ['python3 venv+pip', 'python3-venv'], ['wrk', 'wrk']]) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ensure-system-deps: {3}missing ${part.replace('+', '\\+')}, for .+: .*apt-get install -y ${pkg}'?$`)));
    }
    const all = lines.at(-1)!;
    expect(all).toMatch(/apt-get update && .*apt-get install -y redis-server util-linux python3-venv wrk'?$/);
  });

  it('says when user namespaces do not work, with bwrap\'s own reason', () => {
    const bwrap = '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n';
    const r = check(pathWithout(['bwrap'], { bwrap }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/user namespaces do not work for \S+, so the test sandbox cannot start: bwrap: No permissions to create new namespace\n/);
    expect(r.stderr).toMatch(/sysctl|seccomp/);
  });
});
