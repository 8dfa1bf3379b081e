// Deadlines, end to end through `bumpbench serve`: an install that hangs, a build that fails but leaves a
// daemon holding its stdout, and a server that never becomes ready each fail their job with a clear message
// within their deadline, and the next job runs; `/bumpbench cancel` frees the worker within 10 s while an
// install hangs, and the job after it runs too. Nothing of any of them is left running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appHarness, TOKEN, WEBHOOK_SECRET, type Harness } from '../helpers/app-harness.ts';
import { commentEvent, labeledEvent, sendWebhook, startFakeGitHub, until, type ApiCall, type FakeGitHub, type FakePull } from '../helpers/fake-github.ts';
import { commitOnBranch, createRepo, git } from '../helpers/git-repo.ts';
import { processesUnder } from '../helpers/processes.ts';

const SERVER = `require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), process.env.HOST);\n`;
const CONFIG = `install: sh install.sh
build: sh build.sh
start: sh start.sh
ready: { path: /health, timeout: 3s }
timeouts: { install: 6s, build: 20s }
pinCpus: false
repeats: { min: 2, max: 2 }
hints: false
scenarios:
  - { name: health, path: /health, connections: 2, duration: 300ms, warmup: 100ms, warmupMax: 300ms }
`;
// Each head changes .npmrc, an install input, so its install is not the base's cached one.
const HEADS: Record<string, Record<string, string>> = {
  'hang-install': { '.npmrc': '# hang\n', 'install.sh': 'echo resolving; exec sleep 600\n' },
  'daemon-build': { '.npmrc': '# daemon\n', 'build.sh': "setsid sh -c 'while :; do echo bbdaemon; sleep 1; done' &\necho 'the build broke'\nexit 1\n" },
  'never-ready': { '.npmrc': '# never\n', 'start.sh': 'echo starting; exec sleep 600\n' },
  fine: { '.npmrc': '# fine\n', 'README.md': 'a docs change\n' },
};

let github: FakeGitHub;
let app: Harness;
const pulls: FakePull[] = [];

beforeAll(async () => {
  const repoDir = createRepo({
    'server.js': SERVER, 'install.sh': 'true\n', 'build.sh': 'true\n', 'start.sh': 'exec node server.js\n', '.npmrc': '# base\n',
    '.github/bumpbench.yml': CONFIG,
  });
  const baseSha = git(repoDir, 'rev-parse', 'main');
  const sha = Object.fromEntries(Object.entries(HEADS).map(([branch, files]) => [branch, commitOnBranch(repoDir, branch, files, branch)]));
  // PR 3: install hangs; 4: build fails leaving a daemon; 5: server never ready; 6: fine; 7: install hangs
  // again (cancelled); 8: fine again.
  pulls.push(
    { number: 3, headRef: 'hang-install', headSha: sha['hang-install'] },
    { number: 4, headRef: 'daemon-build', headSha: sha['daemon-build'] },
    { number: 5, headRef: 'never-ready', headSha: sha['never-ready'] },
    { number: 6, headRef: 'fine', headSha: sha.fine },
    { number: 7, headRef: 'hang-install', headSha: sha['hang-install'] },
    { number: 8, headRef: 'fine', headSha: sha.fine },
  );
  github = await startFakeGitHub({ owner: 'Codertocat', name: 'Hello-World', repoDir, config: CONFIG, baseSha, headSha: sha.fine, token: TOKEN }, 2, pulls);
  app = appHarness(() => github, 'bumpbench-deadlines');
}, 60_000);

afterAll(async () => {
  await app?.cleanup();
  await github?.close();
});

/** The check run of a PR's job (by the job id it carries), and the calls that updated it. */
function checkOf(pr: number): { id: number; updates: ApiCall[] } | undefined {
  const index = github.checkCreates().findIndex((c) => c.body.external_id === String(jobIds.get(pr)));
  if (index < 0) return undefined;
  const id = github.checkRunIds[index];
  return { id, updates: github.checkPatches().filter((c) => c.path.endsWith(`/${id}`)) };
}
const jobIds = new Map<number, number>();
const completed = (pr: number) => checkOf(pr)?.updates.find((c) => c.body.status === 'completed');
const started = (pr: number) => checkOf(pr)?.updates.find((c) => c.body.status === 'in_progress');

describe('deadlines and cancel, through serve', () => {
  it('each broken job fails within its deadline saying why, a cancel frees the worker, and the next job runs', async () => {
    const serve = await app.start();
    // Queued in this order, so the single worker runs them one after another.
    for (const [i, pr] of [3, 4, 5, 6, 7, 8].entries()) {
      jobIds.set(pr, i + 1);
      expect(await sendWebhook(serve, 'pull_request', labeledEvent(github, pr), WEBHOOK_SECRET)).toBe(200);
      await until(() => github.checkCreates().length === i + 1, `the check run of PR ${pr}`, 30_000);
    }
    const took = (pr: number) => completed(pr)!.at - started(pr)!.at;

    await until(() => completed(3) !== undefined, `PR 3 to fail\n${serve.output()}`, 120_000);
    expect(completed(3)!.body.conclusion).toBe('failure');
    expect(completed(3)!.body.output.summary).toMatch(/head \([0-9a-f]{7}\): install failed \(`sh install\.sh` did not finish within its deadline \(`timeouts\.install`\) and was killed\)/);

    await until(() => completed(4) !== undefined, `PR 4 to fail\n${serve.output()}`, 120_000);
    expect(completed(4)!.body.output.summary).toMatch(/head \([0-9a-f]{7}\): build failed \(`sh build\.sh` exited with 1\)/);
    // Not waiting for the daemon that kept its output open: far inside the 20 s build deadline.
    expect(took(4)).toBeLessThan(15_000);

    await until(() => completed(5) !== undefined, `PR 5 to fail\n${serve.output()}`, 120_000);
    expect(completed(5)!.body.output.summary).toMatch(/head \([0-9a-f]{7}\): the server did not start: head server was not ready within 3000 ms: GET \/health never answered 2xx/);

    console.info(`from in progress to failed: hanging install ${took(3)} ms (deadline 6 s), daemon build ${took(4)} ms, never-ready server ${took(5)} ms (ready timeout 3 s)`);
    await until(() => completed(6) !== undefined, `PR 6 to complete\n${serve.output()}`, 180_000);
    expect(completed(6)!.body.output.title).not.toMatch(/could not finish/);

    // PR 7 hangs in its install (6 s deadline): cancel it while the install sleeps.
    await until(() => processesUnder(app.dataDir).some((p) => /sleep 600/.test(p.cmdline)), 'the hanging install of PR 7', 120_000);
    const cancelledAt = Date.now();
    expect(await sendWebhook(serve, 'issue_comment', commentEvent(github, '/bumpbench cancel', 7), WEBHOOK_SECRET)).toBe(200);
    await until(() => completed(7) !== undefined, 'PR 7 to be reported cancelled', 15_000);
    expect(completed(7)!.body.conclusion).toBe('cancelled');
    const freed = completed(7)!.at - cancelledAt;
    expect(freed).toBeLessThan(10_000);
    console.info(`cancel during a hanging install: reported cancelled ${freed} ms after the command`);

    await until(() => completed(8) !== undefined, `PR 8 to complete after the cancel\n${serve.output()}`, 180_000);
    expect(completed(8)!.body.output.title).not.toMatch(/could not finish/);

    // Nothing of any job is left: not the hanging installs, not the daemon, not a server.
    expect(processesUnder(app.dataDir)).toEqual([]);
    expect(processesUnder('/').filter((p) => /bbdaemon/.test(p.cmdline))).toEqual([]);
    const stopped = await app.stop(serve, 'SIGTERM');
    expect(stopped.code).toBe(0);
  }, 600_000);
});
