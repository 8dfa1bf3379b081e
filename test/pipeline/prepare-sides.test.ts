// Base and head are prepared at once: their installs overlap, the first side to fail stops the other and
// its error is the one thrown, and two sides with the same install (an A/A compare) install it once.
// Real git worktrees, real install commands in the job's sandbox.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { UserFacingError } from '../../src/pipeline/errors.ts';
import { prepareSides, releaseSide, type PreparedSide, type PrepareSideOptions } from '../../src/pipeline/prepare-side.ts';
import { DEFAULT_LIMITS, Sandbox } from '../../src/sandbox/sandbox.ts';
import { sandboxSupport } from '../../src/sandbox/support.ts';
import { removeWorktree } from '../../src/workspace/git.ts';
import { commitOnBranch, createRepo, tempDir } from '../helpers/git-repo.ts';

// The install records when it ran, in nanoseconds, inside the worktree (the one place it may write).
const INSTALL = 'date +%s%N > install-start; sleep "$(cat install-seconds)"; date +%s%N > install-end; exit "$(cat install-exit)"\n';

const root = tempDir('bumpbench-prepare-sides-');
const repo = createRepo({ 'install.sh': INSTALL, 'install-seconds': '1\n', 'install-exit': '0\n', '.npmrc': '# base\n', 'server.js': '' });
// .npmrc is an install input: a head that changes it has its own install, not the base's cached one.
const other = commitOnBranch(repo, 'other-install', { '.npmrc': '# head\n' }, 'another install');
const failsFast = commitOnBranch(repo, 'fails-fast', { '.npmrc': '# fails\n', 'install-seconds': '0\n', 'install-exit': '3\n' }, 'an install that fails');
const hangs = commitOnBranch(repo, 'hangs', { '.npmrc': '# hangs\n', 'install-seconds': '60\n' }, 'an install that hangs');
const sameInstall = commitOnBranch(repo, 'same-install', { 'NOTES.md': 'nothing that installs\n' }, 'A/A');
const sandbox = new Sandbox({ enabled: sandboxSupport().ok, scratchDir: path.join(root, 'scratch'), network: 'loopback', allowHosts: [], readOnly: [], limits: DEFAULT_LIMITS });
const config = validateConfig({ install: 'sh install.sh', start: 'node server.js', scenarios: [{ name: 'a', path: '/' }] });
const kept: PreparedSide[] = [];
let step = 0;

afterAll(async () => {
  for (const side of kept) {
    await releaseSide(side);
    await removeWorktree(side.worktree);
  }
  await sandbox.close();
});

function sideOf(label: string, sha: string, cacheDir: string): PrepareSideOptions {
  return { label, repoDir: repo, sha, worktreeDir: path.join(root, 'work', `${label}-${++step}`), cacheDir, config, sandbox, cacheScope: repo };
}

const nanos = (side: PreparedSide, file: string) => BigInt(readFileSync(path.join(side.projectDir, file), 'utf8').trim());

describe('preparing base and head', () => {
  it('runs both installs at once', async () => {
    const cache = path.join(root, 'cache-overlap');
    const sides = await prepareSides([sideOf('base', 'main', cache), sideOf('head', other, cache)]);
    kept.push(...sides);
    expect(sides.map((s) => s.label)).toEqual(['base', 'head']);
    expect(sides.map((s) => s.install.cached)).toEqual([false, false]);
    const [b, h] = sides;
    // Each started before the other ended: they overlapped.
    expect(nanos(b, 'install-start')).toBeLessThan(nanos(h, 'install-end'));
    expect(nanos(h, 'install-start')).toBeLessThan(nanos(b, 'install-end'));
  });

  it('a side that fails stops the other, and its own error is the one thrown', async () => {
    const cache = path.join(root, 'cache-fail');
    const hanging = sideOf('base', hangs, cache);
    const started = Date.now();
    const err = await prepareSides([hanging, sideOf('head', failsFast, cache)]).then(() => null, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(UserFacingError);
    expect(err!.message).toMatch(/^head \([0-9a-f]{7}\): install failed \(`sh install\.sh` exited with 3\)/);
    // The hanging install was stopped, not waited for (it sleeps 60 s).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(existsSync(path.join(hanging.worktreeDir, 'install-end'))).toBe(false);
  });

  it('two sides with the same install (A/A) install it once; the other reuses it', async () => {
    const cache = path.join(root, 'cache-same');
    const sides = await prepareSides([sideOf('base', 'main', cache), sideOf('head', sameInstall, cache)]);
    kept.push(...sides);
    expect(sides[0].install.key).toBe(sides[1].install.key);
    expect(sides.map((s) => s.install.cached).sort()).toEqual([false, true]);
    // Only the side that installed has the install's marks.
    expect(sides.filter((s) => existsSync(path.join(s.projectDir, 'install-end')))).toHaveLength(1);
  });

  it('an aborted job stops both and throws its reason', async () => {
    const cache = path.join(root, 'cache-abort');
    const job = new AbortController();
    const sides = [sideOf('base', hangs, cache), sideOf('head', hangs, cache)].map((o, i) => ({ ...o, worktreeDir: `${o.worktreeDir}-${i}`, signal: job.signal }));
    setTimeout(() => job.abort(new Error('cancelled by /bumpbench cancel')), 1_000);
    const err = await prepareSides(sides).then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toBe('cancelled by /bumpbench cancel');
  });
});
