// The dashboard's read model: what the pages and the JSON API show, built from the result store. No HTTP and
// no access rules here: callers pass the repositories a user may see (src/dashboard/routes.ts decides that).
import os from 'node:os';
import { METRICS } from '../bench/metrics.ts';
import type { Change, JobResult, MetricName, ProgressEvent, RunSample, Verdict } from '../model.ts';
import { summaryLine } from '../report/markdown.ts';
import type { ResultsStore, RunRow } from '../store/results-store.ts';
import { pullRequestUrl, repoIdentity, type RepoIdentity } from './repo-key.ts';

export const BASE_PATH = '/dashboard';

export interface JobSummary {
  id: number;
  kind: JobResult['kind'];
  verdict: Verdict;
  summary: string;
  repo: string;
  pr: number | null;
  prUrl: string | null;
  base: { ref: string; sha: string };
  head: { ref: string; sha: string };
  changes: Change[];
  startedAt: string;
  finishedAt: string;
  url: string;
}

export type RunStateView = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface RunSummary {
  id: number;
  kind: JobResult['kind'];
  repo: string;
  pr: number | null;
  prUrl: string | null;
  baseRef: string;
  headRef: string;
  /** `interrupted`: still marked running, but its process on this host is gone. */
  state: RunStateView;
  error: string | null;
  resultId: number | null;
  resultUrl: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  latest: ProgressEvent | null;
  url: string;
}

export interface ProgressView extends ProgressEvent {
  seq: number;
  at: string;
}

export interface RepositorySummary {
  key: string;
  github: RepoIdentity['github'] | null;
  jobs: number;
  verdicts: Record<Verdict, number>;
  latest: JobSummary | null;
  running: number;
  url: string;
}

export interface HistoryPoint {
  job: number;
  finishedAt: string;
  /** Head against base, percent (ratio − 1) · 100. */
  change: number;
  /** The interval of the change, percent. */
  ci: [number, number];
  verdict: Verdict;
  /** Half-width of the noise band around 0, percent: changes inside it are what this runner's noise makes. */
  noise: number | null;
  pairs: number;
  pr: number | null;
  prUrl: string | null;
}

export interface HistorySeries {
  scenario: string;
  metric: MetricName;
  label: string;
  unit: string;
  direction: 'higher-is-better' | 'lower-is-better';
  /** Where the noise band comes from: the repo's calibration (bumpbench calibrate), or each job's own runs. */
  noiseSource: 'calibrated' | 'observed';
  calibratedCv: number | null;
  points: HistoryPoint[];
}

export interface RepositoryHistory {
  repo: RepositorySummary;
  /** The package filter applied (null: every job). */
  package: string | null;
  /** Every package any job of this repo changed, sorted. */
  packages: string[];
  /** Newest first. */
  jobs: JobSummary[];
  series: HistorySeries[];
  running: RunSummary[];
}

export interface JobDetail {
  job: JobSummary;
  result: JobResult;
  samples: RunSample[];
}

export interface RunDetail {
  run: RunSummary;
  progress: ProgressView[];
}

const VERDICTS: Verdict[] = ['regression', 'improvement', 'unchanged', 'inconclusive'];
const emptyVerdicts = (): Record<Verdict, number> => ({ regression: 0, improvement: 0, unchanged: 0, inconclusive: 0 });
const pct = (ratio: number) => Math.round((ratio - 1) * 10_000) / 100;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const jobUrl = (id: number) => `${BASE_PATH}/jobs/${id}`;
export const runUrl = (id: number) => `${BASE_PATH}/runs/${id}`;
export const repoUrl = (key: string, pkg?: string | null) =>
  `${BASE_PATH}/repo?name=${encodeURIComponent(key)}${pkg ? `&package=${encodeURIComponent(pkg)}` : ''}`;

export class DashboardData {
  constructor(
    readonly store: ResultsStore,
    /** The GitHub web host whose repositories are keyed "owner/name" (GHE_HOST or github.com). */
    readonly githubHost = 'github.com',
  ) {}

  identity(repo: string): RepoIdentity {
    return repoIdentity(repo, this.githubHost);
  }

  /** The stored `repo` values that make up one key. */
  private reposOf(key: string): string[] {
    return this.store.listRepos().filter((r) => this.identity(r).key === key);
  }

  jobSummary(id: number, result: JobResult, pr: number | null): JobSummary {
    const identity = this.identity(result.repo);
    return {
      id,
      kind: result.kind,
      verdict: result.verdict,
      summary: summaryLine(result),
      repo: identity.key,
      pr,
      prUrl: pullRequestUrl(identity, pr) ?? null,
      base: result.base,
      head: result.head,
      changes: result.changes,
      startedAt: result.startedAt,
      finishedAt: result.finishedAt,
      url: jobUrl(id),
    };
  }

  runSummary(row: RunRow): RunSummary {
    const identity = this.identity(row.repo);
    let state: RunStateView = row.state;
    if (state === 'running' && row.host === os.hostname() && !processAlive(row.pid)) state = 'interrupted';
    const latest = this.store.lastProgress(row.id)?.event ?? null;
    return {
      id: row.id,
      kind: row.kind,
      repo: identity.key,
      pr: row.pr,
      prUrl: pullRequestUrl(identity, row.pr) ?? null,
      baseRef: row.baseRef,
      headRef: row.headRef,
      state,
      error: row.error,
      resultId: row.resultId,
      resultUrl: row.resultId ? jobUrl(row.resultId) : null,
      startedAt: row.startedAt,
      updatedAt: row.updatedAt,
      finishedAt: row.finishedAt,
      latest,
      url: runUrl(row.id),
    };
  }

  /** Every repository with results or runs, the most recently active first. */
  listRepositories(): RepositorySummary[] {
    const byKey = new Map<string, { identity: RepoIdentity; rows: { id: number; verdict: string; finishedAt: string; pr: number | null }[]; running: number; lastActive: string }>();
    const entry = (repo: string) => {
      const identity = this.identity(repo);
      let e = byKey.get(identity.key);
      if (!e) byKey.set(identity.key, (e = { identity, rows: [], running: 0, lastActive: '' }));
      return e;
    };
    for (const row of this.store.listResultRows()) {
      const e = entry(row.repo);
      e.rows.push(row);
      if (row.finishedAt > e.lastActive) e.lastActive = row.finishedAt;
    }
    for (const run of this.store.listActiveRuns()) {
      const view = this.runSummary(run);
      const e = entry(run.repo);
      if (view.state === 'running') e.running++;
      if (run.updatedAt > e.lastActive) e.lastActive = run.updatedAt;
    }
    const out: (RepositorySummary & { lastActive: string })[] = [];
    for (const [key, e] of byKey) {
      const verdicts = emptyVerdicts();
      for (const r of e.rows) if (r.verdict in verdicts) verdicts[r.verdict as Verdict]++;
      const last = e.rows.at(-1);
      const lastResult = last ? this.store.getResultJson(last.id) : null;
      out.push({
        key,
        github: e.identity.github ?? null,
        jobs: e.rows.length,
        verdicts,
        latest: last && lastResult ? this.jobSummary(last.id, lastResult, last.pr) : null,
        running: e.running,
        url: repoUrl(key),
        lastActive: e.lastActive,
      });
    }
    out.sort((a, b) => b.lastActive.localeCompare(a.lastActive) || a.key.localeCompare(b.key));
    return out.map(({ lastActive: _, ...r }) => r);
  }

  /** One repository's history, optionally only the jobs that changed `pkg`; null when the repo is unknown. */
  repositoryHistory(key: string, pkg: string | null = null): RepositoryHistory | null {
    const repos = this.reposOf(key);
    if (repos.length === 0) return null;
    const summary = this.listRepositories().find((r) => r.key === key)!;
    const entries = this.store.listResultEntries(repos);
    const packages = [...new Set(entries.flatMap((e) => e.result.changes.map((c) => c.name)))].sort();
    const chosen = pkg ? entries.filter((e) => e.result.changes.some((c) => c.name === pkg)) : entries;

    // The calibration of each scenario × metric (newest on any host), for the noise band.
    const calibration = new Map<string, number>();
    for (const c of this.store.listCalibrations(repos)) {
      const id = `${c.scenario}/${c.metric}`;
      if (!calibration.has(id)) calibration.set(id, c.cv);
    }
    const series = new Map<string, HistorySeries>();
    for (const { id, result, pr } of chosen) {
      if (result.kind !== 'compare') continue;
      const prUrl = pullRequestUrl(this.identity(result.repo), pr) ?? null;
      for (const s of result.scenarios) {
        for (const spec of METRICS) {
          const m = s.metrics[spec.name];
          if (!m?.gated) continue;
          const sid = `${s.name}/${spec.name}`;
          const cv = calibration.get(sid);
          let line = series.get(sid);
          if (!line) {
            series.set(sid, (line = {
              scenario: s.name, metric: spec.name, label: spec.label, unit: spec.unit, direction: spec.direction,
              noiseSource: cv !== undefined ? 'calibrated' : 'observed', calibratedCv: cv ?? null, points: [],
            }));
          }
          const noise = cv !== undefined ? 2.8 * cv * Math.sqrt(2 / Math.max(1, s.pairs)) : m.minDetectable;
          line.points.push({
            job: id, finishedAt: result.finishedAt, change: pct(m.ratio), ci: [pct(m.ci[0]), pct(m.ci[1])], verdict: m.verdict,
            noise: noise === undefined || !Number.isFinite(noise) ? null : Math.round(noise * 10_000) / 100, pairs: s.pairs, pr, prUrl,
          });
        }
      }
    }
    const running = this.store
      .listActiveRuns()
      .filter((r) => repos.includes(r.repo))
      .map((r) => this.runSummary(r));
    return {
      repo: summary,
      package: pkg,
      packages,
      jobs: chosen.map((e) => this.jobSummary(e.id, e.result, e.pr)).reverse(),
      series: [...series.values()],
      running,
    };
  }

  /** A stored job with its samples; null when there is none. */
  jobDetail(id: number): JobDetail | null {
    const result = this.store.getResult(id);
    if (!result) return null;
    const { samples = [], ...rest } = result;
    return { job: this.jobSummary(id, rest, this.store.prOfResult(id)), result: rest, samples };
  }

  /** A run with its progress after `afterSeq`; null when there is none. */
  runDetail(id: number, afterSeq = 0): RunDetail | null {
    const row = this.store.getRun(id);
    if (!row) return null;
    const progress = this.store.getProgress(id, afterSeq).map((p) => ({ ...p.event, seq: p.seq, at: p.at }));
    return { run: this.runSummary(row), progress };
  }

  /** The repo key of a job or run, for access checks before anything of it is shown. */
  repoOfJob(id: number): string | null {
    const result = this.store.getResultJson(id);
    return result ? this.identity(result.repo).key : null;
  }

  repoOfRun(id: number): string | null {
    const run = this.store.getRun(id);
    return run ? this.identity(run.repo).key : null;
  }

  /** The newest result of these commits, for the PR comment's link (by commits: the comment has no job id). */
  findJob(key: string, kind: string, baseSha: string, headSha: string): number | null {
    return this.store.findJob(this.reposOf(key), kind, baseSha, headSha)?.resultId ?? null;
  }
}

export { VERDICTS };
