// The foundation end to end: real git repos, real servers, real autocannon, a real SQLite file.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runJob } from '../../src/pipeline/run-job.ts';
import { commitOnBranch, createRepo, git, tempDir } from '../helpers/git-repo.ts';
import { cpuAppFiles } from '../helpers/cpu-app.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const WORK = 1_500_000;
const dataDir = tempDir('bumpbench-data-');
const repo = createRepo(cpuAppFiles(WORK));
const headSha = commitOnBranch(repo, 'more-work', { 'work.json': JSON.stringify({ work: Math.round(WORK * 1.3) }) }, 'Do 30% more work');

afterAll(() => {
  // Nothing this suite started may outlive it.
  expect(serverPidsUnder(repo)).toEqual([]);
});

describe('compare, end to end', () => {
  it('calls a 30% slower endpoint a regression and leaves the other alone', async () => {
    const result = await runJob({ kind: 'compare', repo, base: { ref: 'main' }, head: { ref: 'more-work' } }, { dataDir });
    expect(result.head.sha).toBe(headSha);
    const work = result.scenarios.find((s) => s.name === 'work')!;
    const other = result.scenarios.find((s) => s.name === 'other')!;
    expect(work.verdict).toBe('regression');
    // 30% more work per request: the CPU a request costs rises by about that, with an interval above 1.
    expect(work.metrics.cpu_per_request!.ratio).toBeGreaterThan(1.15);
    expect(work.metrics.cpu_per_request!.ci[0]).toBeGreaterThan(1);
    expect(work.metrics.throughput!.ratio).toBeLessThan(0.95);
    expect(other.verdict).not.toBe('regression');
    expect(result.verdict).toBe('regression');

    // Stored in the SQLite file with its samples.
    const db = new Database(path.join(dataDir, 'bumpbench.db'), { readonly: true });
    const row = db.prepare('SELECT verdict, head_sha FROM results ORDER BY id DESC LIMIT 1').get() as { verdict: string; head_sha: string };
    const samples = db.prepare('SELECT COUNT(*) AS n FROM samples').get() as { n: number };
    db.close();
    expect(row).toEqual({ verdict: 'regression', head_sha: headSha });
    expect(samples.n).toBeGreaterThanOrEqual(2 * 2 * 6);
  });

  it('A/A: base against itself is never a regression, and reuses the install', async () => {
    const progress: string[] = [];
    const result = await runJob(
      { kind: 'compare', repo, base: { ref: 'main' }, head: { ref: 'main' } },
      { dataDir, onProgress: (e) => progress.push(e.message) },
    );
    expect(result.verdict).not.toBe('regression');
    for (const s of result.scenarios) expect(s.verdict).not.toBe('regression');
    expect(progress.some((m) => m.includes('install reused from cache'))).toBe(true);
  });

  it('leaves no worktree behind', () => {
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
    const work = path.join(dataDir, 'work');
    expect(existsSync(work) ? readdirSync(work) : []).toEqual([]);
  });
});
