// Noise calibration end to end: real git repo, real servers, real autocannon, a real SQLite file. `calibrate`
// on a local clone stores each scenario and metric's CV under the repository's identity (its origin) and
// this runner's id; the next job on that repository — here reached as the App reaches it, by its clone
// URL — judges every metric against it: its interval is never narrower than that noise allows, and the
// report says which noise it was.
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/bench/metrics.ts';
import { runCalibrate, type CalibrationRow } from '../../src/pipeline/calibrate.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { detectableChange, GATE_RULE, normalQuantile } from '../../src/stats/index.ts';
import { cpuAppConfig, cpuAppFiles } from '../helpers/cpu-app.ts';
import { serveGitOverHttp, type GitHttpServer } from '../helpers/git-http.ts';
import { commitOnBranch, createRepo, git, tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const WORK = 1_500_000;
const PAIRS = 4;
// Thresholds far below any real noise, so the noise (observed or calibrated) is what decides.
const config = cpuAppConfig({
  min: PAIRS,
  max: PAIRS,
  extra: 'thresholds: { throughput: 0.001, latency_p50: 0.001, latency_p90: 0.001, latency_p99: 0.001, cpu_per_request: 0.001, rss: 0.001 }\n',
});
const dataDir = tempDir('bumpbench-calibrate-data-');
const dbFile = path.join(dataDir, 'bumpbench.db');
const repo = createRepo(cpuAppFiles(WORK, config));
commitOnBranch(repo, 'more-work', { 'work.json': JSON.stringify({ work: Math.round(WORK * 1.3) }) }, 'Do 30% more work');
// The clone a user calibrates in came from a git host; the App knows the repository by that URL. The host
// here is a local one serving the repo over git's HTTP protocol, so the App's way in (fetch by URL) is real.
let host: GitHttpServer;
let CLONE_URL = '';
let REPO_ID = '';

beforeAll(async () => {
  host = await serveGitOverHttp({ repoDir: repo, owner: 'acme', name: 'cpu-app' });
  CLONE_URL = host.cloneUrl;
  REPO_ID = `127.0.0.1/acme/cpu-app`;
  git(repo, 'remote', 'add', 'origin', CLONE_URL);
});

afterAll(async () => {
  await host?.close();
  const left = serverPidsUnder(repo);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
  // Nothing this suite started may outlive it.
  expect(left).toEqual([]);
});

describe('bumpbench calibrate', () => {
  let rows: CalibrationRow[] = [];

  it('measures A/A pairs and stores a CV per scenario and metric in the SQLite file', async () => {
    const calibrated = await runCalibrate({ repo, ref: 'main', pairs: PAIRS }, { dataDir });
    rows = calibrated.rows;
    expect(calibrated.key.repoId).toBe(REPO_ID);
    expect(calibrated.key.runner).toMatch(/^runner-/);
    const keys = rows.map((r) => `${r.scenario}/${r.metric}`).sort();
    expect(keys).toEqual(['other', 'work'].flatMap((s) => METRICS.map((m) => `${s}/${m.name}`)).sort());
    for (const r of rows) {
      // Both sides ran the same commit: every run of a scenario is one draw of the noise.
      expect(r.runs).toBe(2 * PAIRS);
      expect(r.cv).toBeGreaterThan(0);
      expect(r.cv).toBeLessThan(1);
      const spec = METRICS.find((m) => m.name === r.metric)!;
      // Two scenarios × the four default gated metrics: Holm's first step divides α by 8.
      expect(r.minDetectable).toBeCloseTo(detectableChange(r.cv * Math.SQRT2, PAIRS, 0.001, spec.direction, 8), 12);
    }

    const db = new Database(dbFile, { readonly: true });
    const stored = db.prepare('SELECT scenario, metric, cv, runs FROM calibrations WHERE repo_id = ?').all(REPO_ID) as
      { scenario: string; metric: string; cv: number; runs: number }[];
    db.close();
    expect(stored).toHaveLength(rows.length);
    for (const r of rows) {
      const s = stored.find((x) => x.scenario === r.scenario && x.metric === r.metric)!;
      expect(s.cv).toBeCloseTo(r.cv, 12);
      expect(s.runs).toBe(r.runs);
    }
    // The same commit on both sides of a calibration leaves no worktree behind.
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('a following compare of the repo is judged against the calibrated noise, and its report says so', async () => {
    expect(rows.length).toBeGreaterThan(0);
    // As the App runs it: the repository by its clone URL (fetched here from the local clone).
    const result = await runJob(
      { kind: 'compare', repo: CLONE_URL, base: { ref: 'main' }, head: { ref: 'more-work' } },
      { dataDir, keepSamples: true },
    );
    expect(result.calibration).toMatchObject({ repo: REPO_ID, metrics: rows.length });
    expect(result.calibration!.measuredAt).not.toBeNull();
    const samples = result.samples!;
    const z = normalQuantile(1 - GATE_RULE.beta);
    for (const scenario of result.scenarios) {
      for (const spec of METRICS) {
        const m = scenario.metrics[spec.name];
        if (!m) continue;
        const calibrated = rows.find((r) => r.scenario === scenario.name && r.metric === spec.name)!;
        expect(m.noise?.calibrated, `${scenario.name}/${spec.name}`).toEqual({ cv: calibrated.cv, runs: calibrated.runs });
        const side = (s: 'base' | 'head') => samples.filter((x) => x.ok && x.scenario === scenario.name && x.side === s).map(spec.read);
        // The interval is never narrower than the calibrated noise allows for these run counts.
        const floor = 2 * z * calibrated.cv * Math.sqrt(1 / side('base').length + 1 / side('head').length);
        expect(Math.log(m.ci[1] / m.ci[0])).toBeGreaterThanOrEqual(floor - 1e-9);
      }
    }
    // The report states the calibrated noise it judged against.
    const work = result.scenarios.find((s) => s.name === 'work')!;
    const cpu = work.metrics.cpu_per_request!;
    const text = renderMarkdown(result);
    expect(text).toContain(`calibrated ${(cpu.noise!.calibrated!.cv * 100).toFixed(1)}% over ${cpu.noise!.calibrated!.runs} runs`);
    expect(text).toContain(`judged against the calibration of \`${REPO_ID}\` on runner \`runner-`);
  });
});
