// openRepo with a token, against a real git served over HTTP on the loopback: the token reaches the server
// as Basic auth, never appears on any process's command line, and is not left in the mirror.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError, openRepo, resolveRef } from '../../src/workspace/git.ts';
import { commitOnBranch, createRepo, tempDir } from '../helpers/git-repo.ts';
import { serveGitOverHttp, type GitHttpServer } from '../helpers/git-http.ts';

const TOKEN = 'ghs_gitAuthTestToken0123456789abcdefXYZ';
let served: GitHttpServer;
let repoDir: string;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

beforeAll(async () => {
  repoDir = createRepo({ 'README.md': 'hello' });
  commitOnBranch(repoDir, 'bump', { 'README.md': 'bumped' }, 'bump');
  served = await serveGitOverHttp({ repoDir, owner: 'octo', name: 'app', token: TOKEN });
});

afterAll(() => served.close());

describe('openRepo with a token', () => {
  it('fetches with the token in git\'s environment: on the wire, never in argv, never in the mirror', async () => {
    const cache = tempDir('bumpbench-git-auth-');
    const mirror = await openRepo(served.cloneUrl, cache, { token: TOKEN });
    expect(await resolveRef(mirror, 'bump')).toMatch(/^[0-9a-f]{40}$/);
    expect(served.passwords.length).toBeGreaterThan(0);
    expect(served.passwords.every((p) => p === TOKEN)).toBe(true);
    expect(served.tokenInArgv).toEqual([]);
    for (const file of filesUnder(mirror)) expect(readFileSync(file).includes(TOKEN), file).toBe(false);
    expect(readFileSync(path.join(mirror, 'config'), 'utf8')).toContain(`url = ${served.cloneUrl}`);

    // A second job fetches into the same mirror, again with the token only in the environment.
    commitOnBranch(repoDir, 'later', { 'README.md': 'later' }, 'later');
    served.refresh();
    await openRepo(served.cloneUrl, cache, { token: TOKEN });
    expect(await resolveRef(mirror, 'later')).toMatch(/^[0-9a-f]{40}$/);
    expect(served.tokenInArgv).toEqual([]);
  });

  it('without the token the fetch fails at once (no password prompt), with a message naming the repo', async () => {
    const failure = await openRepo(served.cloneUrl, tempDir('bumpbench-git-noauth-')).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as Error).message).toContain(`cannot fetch ${served.cloneUrl}`);
  });

  it('a wrong token is refused by the server and never echoed', async () => {
    const failure = await openRepo(served.cloneUrl, tempDir('bumpbench-git-badauth-'), { token: 'ghs_wrongTokenWrongTokenWrong000' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as Error).message).not.toContain('ghs_wrongTokenWrongTokenWrong000');
  });
});
