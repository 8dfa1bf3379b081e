// Hostile input while the App serves: a pull request whose pnpm-lock.yaml is a 2 MB YAML alias bomb. The
// job refuses to read it and says so in its report, and all the while `bumpbench serve` answers webhooks
// in under a second (the lockfile is parsed in a worker thread, never on the event loop that answers them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appHarness, TOKEN, WEBHOOK_SECRET, type Harness } from '../helpers/app-harness.ts';
import { commentEvent, labeledEvent, sendWebhook, startFakeGitHub, until, type FakeGitHub } from '../helpers/fake-github.ts';
import { commitOnBranch, createRepo, git } from '../helpers/git-repo.ts';

const CONFIG = `install: "true"
start: node server.js
ready: /
pinCpus: false
repeats: { min: 2, max: 2 }
hints: false
scenarios:
  - { name: home, path: /, connections: 2, duration: 300ms, warmup: 100ms, warmupMax: 300ms }
`;

/** About 2 MB of pnpm-lock.yaml whose aliases would expand to billions of nodes. */
function aliasBomb(): string {
  const lines = ["lockfileVersion: '6.0'", 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  lines.push('packages:');
  for (let i = 0, size = 0; size < 2_000_000; i++) {
    const entry = `  /pkg-${i}@1.0.${i}:\n    resolution: {integrity: sha512-${'x'.repeat(40)}}\n    dev: false`;
    lines.push(entry);
    size += entry.length + 1;
  }
  lines.push('bomb: *a11');
  return lines.join('\n') + '\n';
}

let github: FakeGitHub;
let app: Harness;

beforeAll(async () => {
  const repoDir = createRepo({
    'server.js': "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), process.env.HOST);\n",
    'pnpm-lock.yaml': "lockfileVersion: '6.0'\npackages: {}\n",
    '.github/bumpbench.yml': CONFIG,
  });
  const baseSha = git(repoDir, 'rev-parse', 'main');
  const headSha = commitOnBranch(repoDir, 'bump-lib', { 'pnpm-lock.yaml': aliasBomb() }, 'Bump lib from 1.0.0 to 1.1.0');
  github = await startFakeGitHub({ owner: 'Codertocat', name: 'Hello-World', repoDir, config: CONFIG, baseSha, headSha, token: TOKEN });
  app = appHarness(() => github, 'bumpbench-bomb');
}, 60_000);

afterAll(async () => {
  await app?.cleanup();
  await github?.close();
});

describe('a 2 MB alias-bomb pnpm-lock.yaml', () => {
  it('is refused with a message in the report, and webhooks are answered in under 1 s while it is handled', async () => {
    const serve = await app.start();
    expect(await sendWebhook(serve, 'pull_request', labeledEvent(github), WEBHOOK_SECRET)).toBe(200);
    await until(() => github.checkRunIds.length === 1, 'the check run', 30_000);
    const [checkId] = github.checkRunIds;

    // Webhooks keep coming while the job runs (a comment without a command: handled, nothing to do).
    const latencies: number[] = [];
    while (github.completedFor(checkId) === undefined) {
      const sent = performance.now();
      expect(await sendWebhook(serve, 'issue_comment', commentEvent(github, 'looks fine to me'), WEBHOOK_SECRET)).toBe(200);
      latencies.push(performance.now() - sent);
      if (latencies.length > 3000) throw new Error(`the job did not finish\n${serve.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const done = github.completedFor(checkId)!;
    expect(done.body.output.summary, serve.output()).toMatch(/Could not read pnpm-lock\.yaml: .*refused: its YAML aliases expand too far/i);
    expect(latencies.length).toBeGreaterThan(20);
    const slowest = Math.max(...latencies);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.info(`${latencies.length} webhooks while the job ran: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms`);
    expect(slowest).toBeLessThan(1_000);
    expect((await app.stop(serve, 'SIGTERM')).code).toBe(0);
  }, 300_000);
});
