// A fetch from a server that never answers is stopped at its deadline, and a cancelled job stops it at once.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError, gitTimeoutMs, openRepo } from '../../src/workspace/git.ts';
import { tempDir } from '../helpers/git-repo.ts';

let server: Server;
let url: string;

beforeAll(async () => {
  // Takes the request and never answers: a hung GitHub, a proxy that swallows the connection.
  server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/o/r.git`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('git fetch deadlines', () => {
  it('kills a clone that does not finish within its deadline and says so', async () => {
    const started = Date.now();
    const failure = await openRepo(url, tempDir('bumpbench-git-timeout-'), undefined, { timeoutMs: 700 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as Error).message).toMatch(/did not finish within 1 s \(BUMPBENCH_GIT_TIMEOUT\)/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops at once when the job is cancelled', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('cancelled by @maintainer')), 300);
    const started = Date.now();
    const failure = await openRepo(url, tempDir('bumpbench-git-cancel-'), undefined, { signal: abort.signal }).catch((e: unknown) => e);
    expect((failure as Error).message).toBe('cancelled by @maintainer');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reads the operator setting', () => {
    expect(gitTimeoutMs({})).toBe(600_000);
    expect(gitTimeoutMs({ BUMPBENCH_GIT_TIMEOUT: '90s' })).toBe(90_000);
    expect(gitTimeoutMs({ BUMPBENCH_GIT_TIMEOUT: '2m' })).toBe(120_000);
    expect(gitTimeoutMs({ BUMPBENCH_GIT_TIMEOUT: 'soon' })).toBe(600_000);
  });
});
