// A compare of an app behind a login, end to end: real git, the sandbox and the job's network namespace
// (where the load generator logs in and loads the server), real autocannon. Each server start logs in
// once; its token, header and cookie feed reads of varied ids and a mix with JSON writes, and no request
// fails. A login the server refuses stops the job with what it answered.
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import { UserFacingError } from '../../src/pipeline/errors.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { createRepo, tempDir } from '../helpers/git-repo.ts';
import { loginAppFiles, loginAppLogin, loginAppScenarios } from '../helpers/login-app.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const config = (password?: string) => `install: "true"
start: node server.js
ready: /health
repeats: { min: 2, max: 2 }
hints: false
${loginAppLogin(password)}${loginAppScenarios({ duration: '700ms', warmup: '200ms' })}`;

const dataDir = tempDir('bumpbench-traffic-');
const repo = createRepo(loginAppFiles(config()));

afterAll(() => {
  expect(serverPidsUnder(repo)).toEqual([]);
});

describe('an app behind a login', () => {
  it('is measured with a login per server start, varied ids and a weighted mix, and no request fails', async () => {
    const progress: string[] = [];
    const result = await runJob(
      { kind: 'compare', repo, base: { ref: 'main' }, head: { ref: 'main' } },
      { dataDir, keepSamples: true, onProgress: (e) => progress.push(e.message) },
    );
    const samples = result.samples!;
    expect(samples).toHaveLength(2 * 2 * 2);
    expect(samples.filter((s) => !s.ok).map((s) => s.failure)).toEqual([]);
    for (const s of samples) {
      expect({ errors: s.errors, timeouts: s.timeouts, non2xx: s.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
      expect(s.requests).toBeGreaterThan(50);
    }
    expect(result.scenarios.map((s) => [s.name, s.failedRuns])).toEqual([['items', 0], ['mix', 0]]);
  }, 300_000);

  it('a refused login stops the job, saying which request answered what', async () => {
    const error = await runJob(
      { kind: 'compare', repo, base: { ref: 'main' }, head: { ref: 'main' }, options: {} },
      { dataDir, config: parseConfigText(config('wrong')) },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toMatch(
      /^(base|head) \([0-9a-f]{7}\): the login failed: login POST \/login answered 401: \{"error":"wrong user or password"\}\. Check `login` in \.github\/bumpbench\.yml\.$/,
    );
  }, 120_000);
});
