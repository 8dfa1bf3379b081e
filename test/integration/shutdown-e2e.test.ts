// Shutdown with one owner, end to end: `bumpbench serve` gets SIGTERM while it measures. It must stop
// taking jobs, stop the job's servers, put the job back in the queue without counting an attempt, remove
// its worktrees and exit 0 within 30 s; started again, it reruns the job, which completes on the same
// check run with one comment. The engine's steps are in its log with repo, PR, SHA and job id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appHarness, leftovers, logLines, queueRow, TOKEN, WEBHOOK_SECRET, type Harness } from '../helpers/app-harness.ts';
import { cpuAppConfig, cpuAppFiles } from '../helpers/cpu-app.ts';
import { labeledEvent, sendWebhook, startFakeGitHub, until, type FakeGitHub } from '../helpers/fake-github.ts';
import { commitOnBranch, createRepo, git } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

let github: FakeGitHub;
let app: Harness;

beforeAll(async () => {
  const config = cpuAppConfig({ min: 4, max: 4, duration: '700ms', extra: 'pinCpus: false\n' });
  const repoDir = createRepo(cpuAppFiles(300_000, config));
  const baseSha = git(repoDir, 'rev-parse', 'main');
  const headSha = commitOnBranch(repoDir, 'bump-lib', { 'work.json': JSON.stringify({ work: 600_000 }) }, 'Bump lib from 1.0.0 to 1.1.0');
  github = await startFakeGitHub({ owner: 'Codertocat', name: 'Hello-World', repoDir, config, baseSha, headSha, token: TOKEN });
  app = appHarness(() => github, 'bumpbench-shutdown');
}, 60_000);

afterAll(async () => {
  await app?.cleanup();
  await github?.close();
});

describe('SIGTERM to serve mid-measure, then a restart', () => {
  it('releases the job without counting it, leaves nothing behind, exits 0 in time; the rerun reports once', async () => {
    const first = await app.start();
    expect(await sendWebhook(first, 'pull_request', labeledEvent(github), WEBHOOK_SECRET)).toBe(200);
    await until(() => github.checkRunIds.length === 1, 'the check run', 30_000);
    const [checkId] = github.checkRunIds;
    await until(
      () => github.checkPatches().some((c) => /^Running: measure/.test(c.body.output?.title ?? '')),
      `measuring progress on the check run\n${app.output()}`,
      180_000,
    );

    const stopped = await app.stop(first, 'SIGTERM');
    expect(stopped, app.output()).toMatchObject({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(30_000);
    console.info(`SIGTERM mid-measure → serve exited 0 after ${stopped.ms} ms`);
    // The job is back in the queue, the attempt not counted; nothing of it is left running or on disk.
    expect(queueRow(app.dataDir, 1)).toMatchObject({ state: 'queued', attempts: 0, worker: null });
    expect(serverPidsUnder(app.dataDir)).toEqual([]);
    expect(leftovers(app.dataDir)).toEqual({ jobDirs: [], worktrees: [] });
    expect(first.output()).toContain('job interrupted by shutdown: back in the queue');
    expect(github.completedFor(checkId)).toBeUndefined();

    const second = await app.start();
    await until(() => github.completedFor(checkId) !== undefined, `the rerun to complete the check run\n${second.output()}`, 240_000);
    await until(() => github.comments.length === 1, 'the sticky comment', 30_000);
    // Exactly one check run, completed once; one comment; the rerun was attempt 1, not 2.
    expect(github.checkRunIds).toEqual([checkId]);
    expect(github.checkPatches().filter((c) => c.body.status === 'completed')).toHaveLength(1);
    expect(github.comments).toHaveLength(1);
    await until(() => queueRow(app.dataDir, 1).state === 'done', 'the job to be marked done', 10_000);
    expect(queueRow(app.dataDir, 1).attempts).toBe(1);

    // The engine narrated to the structured log, with repo, PR, SHA and job id on every step.
    const steps = logLines(second.output()).filter((l) => l.engine === true);
    expect(steps.some((l) => /installing|install reused/.test(l.msg))).toBe(true);
    expect(steps.some((l) => /pair \d of 4 done/.test(l.msg))).toBe(true);
    const headSha = (github.pullRequest() as { head: { sha: string } }).head.sha;
    for (const step of steps) expect(step).toMatchObject({ jobId: 1, repo: 'Codertocat/Hello-World', pr: 2, sha: headSha });

    const last = await app.stop(second, 'SIGTERM');
    expect(last.code).toBe(0);
    expect(serverPidsUnder(app.dataDir)).toEqual([]);
    expect(leftovers(app.dataDir)).toEqual({ jobDirs: [], worktrees: [] });
  }, 600_000);
});
