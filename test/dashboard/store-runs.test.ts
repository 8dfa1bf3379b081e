// Runs recorded as they happen, as the dashboard reads them: a store made before the runs table gains it,
// the engine opens a run with its PR, appends each progress event, links the result it stores, and closes
// failed runs with their error (credentials in URLs scrubbed).
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DashboardData } from '../../src/dashboard/data.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { ResultsStore } from '../../src/store/results-store.ts';
import { cpuAppConfig, cpuAppFiles } from '../helpers/cpu-app.ts';
import { createRepo, tempDir } from '../helpers/git-repo.ts';

describe('runs in the result store', () => {
  it('migrates a store from before the runs table without losing its results', () => {
    const file = path.join(tempDir('bumpbench-store-v1-'), 'bumpbench.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE results (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, repo TEXT NOT NULL, base_sha TEXT NOT NULL,
      head_sha TEXT NOT NULL, verdict TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL, result_json TEXT NOT NULL);
      CREATE TABLE samples (result_id INTEGER NOT NULL, side TEXT NOT NULL, pair INTEGER NOT NULL, scenario TEXT NOT NULL, sample_json TEXT NOT NULL);
      CREATE TABLE calibrations (repo TEXT NOT NULL, scenario TEXT NOT NULL, metric TEXT NOT NULL, cv REAL NOT NULL, runs INTEGER NOT NULL,
        host TEXT NOT NULL, measured_at TEXT NOT NULL, PRIMARY KEY (repo, scenario, metric, host));
      PRAGMA user_version = 1;`);
    const json = { kind: 'compare', verdict: 'unchanged', repo: '/srv/app', base: { ref: 'main', sha: 'a' }, head: { ref: 'b', sha: 'b' }, changes: [], scenarios: [], culprit: null, soak: null, notes: [], startedAt: 't0', finishedAt: 't1' };
    old.prepare(`INSERT INTO results (kind, repo, base_sha, head_sha, verdict, started_at, finished_at, result_json) VALUES ('compare', '/srv/app', 'a', 'b', 'unchanged', 't0', 't1', ?)`).run(JSON.stringify(json));
    old.close();
    const store = new ResultsStore(file);
    expect(store.db.pragma('user_version', { simple: true })).toBe(2);
    expect(store.listResultRows()).toMatchObject([{ id: 1, repo: '/srv/app', pr: null }]);
    expect(store.listActiveRuns()).toEqual([]);
    store.close();
  });

  it('the engine records a compare as it runs: its progress, then the result it stored', async () => {
    const dataDir = tempDir('bumpbench-runs-');
    const repo = createRepo(cpuAppFiles(200_000, cpuAppConfig({ min: 2, max: 2, duration: '300ms' })));
    const seen: number[] = [];
    const result = await runJob(
      { kind: 'compare', repo, base: { ref: 'main' }, head: { ref: 'main' }, pr: 42 },
      {
        dataDir,
        onProgress: () => {
          // While it runs, another reader sees the run open with the events so far.
          const reader = new ResultsStore(path.join(dataDir, 'bumpbench.db'));
          const [run] = reader.listActiveRuns();
          seen.push(reader.getProgress(run.id).length);
          reader.close();
        },
      },
    );
    const store = new ResultsStore(path.join(dataDir, 'bumpbench.db'));
    const data = new DashboardData(store);
    const run = data.runDetail(1)!;
    expect(run.run).toMatchObject({ kind: 'compare', repo, pr: 42, state: 'done', baseRef: 'main', headRef: 'main' });
    expect(run.run.resultId).toBe(1);
    expect(run.progress.map((p) => p.phase)).toContain('measure');
    expect(run.progress.at(-1)!.message).toMatch(/result stored as #1/);
    // Each event was in the store by the time the job told anyone else about it.
    expect(seen.length).toBeGreaterThan(3);
    expect(seen).toEqual(seen.map((_, i) => i + 1));
    expect(store.prOfResult(1)).toBe(42);
    expect(data.jobDetail(1)!.job).toMatchObject({ pr: 42, verdict: result.verdict, head: { sha: result.head.sha } });
    store.close();
  });

  it('a failed run is closed with its error, any credential in a URL taken out', async () => {
    const dataDir = tempDir('bumpbench-runs-fail-');
    await expect(
      runJob(
        { kind: 'compare', repo: 'https://x-access-token:ghs_supersecrettoken1234567890@127.0.0.1:1/acme/app.git', base: { ref: 'main' }, head: { ref: 'b' } },
        { dataDir },
      ),
    ).rejects.toThrow();
    const store = new ResultsStore(path.join(dataDir, 'bumpbench.db'));
    const run = store.getRun(1)!;
    expect(run.state).toBe('failed');
    expect(run.error).toBeTruthy();
    const everything = JSON.stringify([run, store.getProgress(1)]);
    expect(everything).not.toContain('ghs_supersecrettoken1234567890');
    store.close();
  });
});
