// Soaks that survive, end to end: `/bumpbench soak` on a head that leaks, `bumpbench serve` stopped twice
// mid-soak (SIGTERM) and started again. The soak resumes from its ledger each time and ends with a verdict
// that uses the samples of all three server lives, the gaps marked. A compare queued on the same machine
// during the soak runs in the other lane and finishes before the soak does.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/model.ts';
import { appHarness, leftovers, TOKEN, WEBHOOK_SECRET, type Harness } from '../helpers/app-harness.ts';
import { commentEvent, labeledEvent, sendWebhook, startFakeGitHub, until, type FakeGitHub } from '../helpers/fake-github.ts';
import { commitOnBranch, createRepo, git } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const SERVER = `import http from 'node:http';
import { readFileSync } from 'node:fs';
const { keepBytes } = JSON.parse(readFileSync(new URL('./cache.json', import.meta.url), 'utf8'));
const cache = [];
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  if (keepBytes) cache.push(Buffer.alloc(keepBytes, 1));
  res.end(String(cache.length));
}).listen(Number(process.env.PORT), process.env.HOST);
`;
// Short windows and warm-up: a soak of 24 s has 4 windows after its warm-up in each of its lives.
const CONFIG = `start: node server.mjs
ready: /health
pinCpus: false
repeats: { min: 2, max: 2 }
hints: false
scenarios:
  - { name: lookup, path: /lookup, connections: 2, duration: 400ms, warmup: 100ms, warmupMax: 400ms }
soak:
  duration: 24s
  rate: 100
  connections: 2
  sampleEvery: 250ms
  warmup: 2s
  window: 1s
`;

let github: FakeGitHub;
let app: Harness;

beforeAll(async () => {
  const repoDir = createRepo({ 'server.mjs': SERVER, 'cache.json': '{"keepBytes": 0}\n', '.github/bumpbench.yml': CONFIG });
  const baseSha = git(repoDir, 'rev-parse', 'main');
  // PR 2 keeps 16 KiB per request (about 5 GiB/h at 100 req/s); PR 3 changes nothing that runs.
  const leakSha = commitOnBranch(repoDir, 'bump-lib', { 'cache.json': '{"keepBytes": 16384}\n' }, 'cache every response');
  const docsSha = commitOnBranch(repoDir, 'docs', { 'README.md': 'docs\n' }, 'docs');
  github = await startFakeGitHub({ owner: 'Codertocat', name: 'Hello-World', repoDir, config: CONFIG, baseSha, headSha: leakSha, token: TOKEN }, 2, [
    { number: 3, headRef: 'docs', headSha: docsSha },
  ]);
  app = appHarness(() => github, 'bumpbench-soak-resume');
}, 60_000);

afterAll(async () => {
  await app?.cleanup();
  await github?.close();
});

/** The soak's ledger as another process sees it: the latest sample time of each life. */
function ledger(): Map<number, number> {
  try {
    const db = new Database(path.join(app.dataDir, 'bumpbench.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT segment, MAX(t_sec) AS t FROM soak_samples GROUP BY segment').all() as { segment: number; t: number }[];
      return new Map(rows.map((r) => [r.segment, r.t]));
    } finally {
      db.close();
    }
  } catch {
    return new Map(); // not made yet
  }
}

function storedSoak(): JobResult | undefined {
  const db = new Database(path.join(app.dataDir, 'bumpbench.db'), { readonly: true });
  try {
    const row = db.prepare(`SELECT result_json FROM results WHERE kind = 'soak' ORDER BY id DESC LIMIT 1`).get() as { result_json: string } | undefined;
    return row ? (JSON.parse(row.result_json) as JobResult) : undefined;
  } finally {
    db.close();
  }
}

describe('a soak interrupted by two restarts', () => {
  it('resumes twice and ends with a verdict from all three lives; a compare queued meanwhile finishes first', async () => {
    let serve = await app.start();
    expect(await sendWebhook(serve, 'issue_comment', commentEvent(github, '/bumpbench soak 24s'), WEBHOOK_SECRET)).toBe(200);
    await until(() => github.checkRunIds.length === 1, 'the soak check run', 30_000);
    const [soakCheck] = github.checkRunIds;

    // Two lives cut short: each time the soak has measured for a while, SIGTERM, then start again.
    for (const life of [0, 1]) {
      await until(() => (ledger().get(life) ?? 0) >= 7 * (life + 1), `life ${life + 1} of the soak to measure\n${app.output()}`, 180_000);
      if (life === 0) {
        // A compare on the same machine, queued while the soak runs.
        expect(await sendWebhook(serve, 'pull_request', labeledEvent(github, 3), WEBHOOK_SECRET)).toBe(200);
      }
      const stopped = await app.stop(serve, 'SIGTERM');
      expect(stopped.code, app.output()).toBe(0);
      expect(stopped.ms).toBeLessThan(30_000);
      expect(serverPidsUnder(app.dataDir)).toEqual([]);
      serve = await app.start();
    }

    await until(() => github.completedFor(soakCheck) !== undefined, `the soak to complete\n${app.output()}`, 240_000);
    const soakDone = github.completedFor(soakCheck)!;
    const compareCheck = github.checkRunIds[1];
    const compareDone = github.completedFor(compareCheck);
    expect(compareDone, 'the compare completed').toBeDefined();
    expect(compareDone!.at).toBeLessThan(soakDone.at);

    // The verdict: head's memory grows faster than base's, judged on the samples of all three lives.
    expect(soakDone.body.conclusion, soakDone.body.output.summary).toBe('failure');
    expect(soakDone.body.output.summary).toMatch(/head's memory grows [\d.]+ MiB\/h faster than base's/i);
    expect(soakDone.body.output.summary).toMatch(/Resumed 2 times after bumpbench stopped \(at \d+s after a \d+s gap, at \d+s after a \d+s gap\)/);
    const lives = ledger();
    expect([...lives.keys()].sort()).toEqual([0, 1, 2]);
    const result = storedSoak()!;
    expect(result.soak!.resumes).toHaveLength(2);
    expect(result.soak!.difference!.direction).toBe('head-grows');
    // Windows from every life: more than the last one alone could hold (its share of the soak, ~10 s).
    expect(result.soak!.difference!.windows).toBeGreaterThan(10);
    expect(result.soak!.base.samples + result.soak!.head.samples).toBeGreaterThan(2 * 60);

    expect((await app.stop(serve, 'SIGTERM')).code).toBe(0);
    expect(serverPidsUnder(app.dataDir)).toEqual([]);
    expect(leftovers(app.dataDir)).toEqual({ jobDirs: [], worktrees: [] });
  }, 600_000);
});
