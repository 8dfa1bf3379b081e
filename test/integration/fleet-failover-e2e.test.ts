// The fleet when a runner dies, end to end with real processes: `bumpbench serve` hands a compare to a
// fleet of two `bumpbench worker` runners over a real redis-server; the runner measuring it is killed
// (SIGKILL) mid-run. The other runner takes the run over and finishes it, and the App reports once: one
// check run, completed once, one comment. Both runners log the engine's steps with the run's job, repo,
// PR and SHA.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appHarness, logLines, TOKEN, WEBHOOK_SECRET, type Harness } from '../helpers/app-harness.ts';
import { cpuAppConfig, cpuAppFiles } from '../helpers/cpu-app.ts';
import { BIN, labeledEvent, sendWebhook, startFakeGitHub, until, type FakeGitHub } from '../helpers/fake-github.ts';
import { commitOnBranch, createRepo, git, tempDir } from '../helpers/git-repo.ts';
import { describeProcesses, processesUnder, serverPidsUnder } from '../helpers/processes.ts';
import { startRedis, type LocalRedis } from '../helpers/redis.ts';

let github: FakeGitHub;
let app: Harness;
let redis: LocalRedis;
const secrets = tempDir('bumpbench-fleet-e2e-secrets-');
const keyFile = path.join(secrets, 'fleet.key');
const urlFile = path.join(secrets, 'redis.url');

interface Runner {
  child: ChildProcess;
  dataDir: string;
  output: () => string;
}
const runners: Runner[] = [];

function startRunner(): Runner {
  const dataDir = tempDir('bumpbench-fleet-e2e-runner-');
  const child = spawn(process.execPath, [BIN, 'worker', '--data-dir', dataDir, '--redis-url-file', urlFile, '--fleet-key-file', keyFile], {
    // A dead runner's run is handed on within about twice the lock time.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BUMPBENCH_FLEET_LOCK_MS: '2000', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const runner = { child, dataDir, output: () => out };
  runners.push(runner);
  return runner;
}

beforeAll(async () => {
  redis = await startRedis();
  writeFileSync(keyFile, 'e'.repeat(64), { mode: 0o600 });
  writeFileSync(urlFile, redis.url, { mode: 0o600 });
  const config = cpuAppConfig({ min: 3, max: 3, duration: '500ms', extra: 'pinCpus: false\n' });
  const repoDir = createRepo(cpuAppFiles(300_000, config));
  const baseSha = git(repoDir, 'rev-parse', 'main');
  const headSha = commitOnBranch(repoDir, 'bump-lib', { 'work.json': JSON.stringify({ work: 600_000 }) }, 'Bump lib from 1.0.0 to 1.1.0');
  github = await startFakeGitHub({ owner: 'Codertocat', name: 'Hello-World', repoDir, config, baseSha, headSha, token: TOKEN });
  app = appHarness(() => github, 'bumpbench-fleet-e2e');
}, 60_000);

afterAll(async () => {
  for (const r of runners) r.child.kill('SIGKILL');
  for (const r of runners) for (const pid of serverPidsUnder(r.dataDir)) process.kill(pid, 'SIGKILL');
  await app?.cleanup();
  await github?.close();
  await redis?.stop();
});

const started = (r: Runner) => logLines(r.output()).find((l) => l.msg === 'fleet run started');

describe('a fleet runner killed mid-run', () => {
  it('is replaced: the other runner finishes the job and the App reports once', async () => {
    const serve = await app.start({ args: ['--redis-url-file', urlFile, '--fleet-key-file', keyFile, '--fleet-slots', '1'] });
    const pair = [startRunner(), startRunner()];
    await until(() => pair.every((r) => /fleet runner started/.test(r.output())), 'both runners to start', 60_000);
    expect(await sendWebhook(serve, 'pull_request', labeledEvent(github), WEBHOOK_SECRET)).toBe(200);
    await until(() => github.checkRunIds.length === 1, 'the check run', 30_000);
    const [checkId] = github.checkRunIds;

    // Whichever runner took the run: wait until it measures, then kill it without warning.
    await until(() => pair.some((r) => logLines(r.output()).some((l) => /pair 1 of 3 done/.test(l.msg ?? ''))), `a runner to measure\n${pair.map((r) => r.output()).join('\n')}`, 180_000);
    const victim = pair.find((r) => started(r))!;
    const survivor = pair.find((r) => r !== victim)!;
    const run = started(victim)!;
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));
    const killedAt = Date.now();
    // Its sandboxed servers die with it (each sandbox is bound to its starter: boundToParent), its load
    // generator on disconnect.
    await until(
      () => serverPidsUnder(victim.dataDir).length === 0,
      () => `the dead runner's processes to be gone; still there:\n${describeProcesses(processesUnder(victim.dataDir))}\nIts log:\n${victim.output().slice(-4000)}`,
      // Generous for a machine at the end of a long suite; a process bound to nothing never goes at all.
      20_000,
    );

    await until(() => github.completedFor(checkId) !== undefined, `the survivor to finish the run\n${survivor.output()}\n${serve.output()}`, 240_000);
    await until(() => github.comments.length === 1, 'the sticky comment', 30_000);
    expect(started(survivor)).toMatchObject({ fleetRun: run.fleetRun, jobId: 1, repo: 'Codertocat/Hello-World', pr: 2 });
    console.info(`runner killed mid-run: the other runner took fleet run ${run.fleetRun} over ${started(survivor)!.time - killedAt} ms after the kill; reported ${Date.now() - killedAt} ms after it`);
    // Reported once: one check run, completed once; one comment.
    expect(github.checkRunIds).toEqual([checkId]);
    expect(github.checkPatches().filter((c) => c.body.status === 'completed')).toHaveLength(1);
    expect(github.completedFor(checkId)!.body.output.title).not.toMatch(/could not finish/);
    expect(github.comments).toHaveLength(1);
    // The survivor's engine steps are in its structured log, bound to the run.
    const steps = logLines(survivor.output()).filter((l) => l.engine === true);
    expect(steps.some((l) => /pair 3 of 3 done/.test(l.msg))).toBe(true);
    for (const step of steps) expect(step).toMatchObject({ fleetRun: run.fleetRun, jobId: 1, pr: 2 });

    expect((await app.stop(serve, 'SIGTERM')).code).toBe(0);
    survivor.child.kill('SIGTERM');
    await new Promise((resolve) => survivor.child.once('exit', resolve));
    expect(serverPidsUnder(survivor.dataDir)).toEqual([]);
  }, 600_000);
});
