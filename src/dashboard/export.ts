// A repository's history as a file: JSON (every job's result, as the JSON API gives it) or CSV (one row per
// job × scenario × metric, plus one per soak side), for spreadsheets and notebooks. Shared by
// `bumpbench export` and GET /dashboard/api/export.
import { METRICS } from '../bench/metrics.ts';
import type { JobResult } from '../model.ts';
import type { DashboardData, JobSummary } from './data.ts';

export interface HistoryExport {
  repo: string;
  package: string | null;
  exportedAt: string;
  /** Oldest first. */
  jobs: (JobSummary & { result: JobResult })[];
}

export function exportHistory(data: DashboardData, key: string, pkg: string | null = null): HistoryExport | null {
  const history = data.repositoryHistory(key, pkg);
  if (!history) return null;
  const jobs = [...history.jobs].reverse().map((job) => ({ ...job, result: data.store.getResultJson(job.id)! }));
  return { repo: key, package: pkg, exportedAt: new Date().toISOString(), jobs };
}

export const CSV_COLUMNS = [
  'job', 'finished_at', 'kind', 'job_verdict', 'pr', 'base_ref', 'base_sha', 'head_ref', 'head_sha', 'changes',
  'scenario', 'metric', 'unit', 'gated', 'base', 'head', 'change_pct', 'ci_low_pct', 'ci_high_pct', 'confidence',
  'p', 'p_holm', 'threshold_pct', 'min_detectable_pct', 'pairs', 'verdict', 'culprit',
] as const;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = String(value);
  // A spreadsheet must not run a formula hidden in a ref or package name.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;
const pct = (ratio: number) => round((ratio - 1) * 100, 2);

export function historyToCsv(history: HistoryExport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const job of history.jobs) {
    const r = job.result;
    const culprit = r.culprit ? `${r.culprit.name} ${r.culprit.lastGood}→${r.culprit.firstBad}${r.culprit.narrowedOnly ? ' (narrowed)' : ''}` : '';
    const common = {
      job: job.id, finished_at: job.finishedAt, kind: job.kind, job_verdict: job.verdict, pr: job.pr,
      base_ref: r.base.ref, base_sha: r.base.sha, head_ref: r.head.ref, head_sha: r.head.sha,
      changes: r.changes.map((c) => `${c.name} ${c.from ?? '(added)'}→${c.to ?? '(removed)'}`).join('; '),
      culprit,
    };
    const rows: Record<string, unknown>[] = [];
    for (const s of r.scenarios) {
      for (const spec of METRICS) {
        const m = s.metrics[spec.name];
        if (!m) continue;
        rows.push({
          scenario: s.name, metric: spec.name, unit: spec.unit, gated: m.gated, base: round(m.base), head: round(m.head),
          change_pct: pct(m.ratio), ci_low_pct: pct(m.ci[0]), ci_high_pct: pct(m.ci[1]), confidence: m.confidence,
          p: m.p, p_holm: m.pAdjusted, threshold_pct: round(m.threshold * 100, 2),
          min_detectable_pct: m.minDetectable === undefined ? null : round(m.minDetectable * 100, 2), pairs: s.pairs, verdict: m.verdict,
        });
      }
    }
    if (r.soak) {
      for (const side of ['base', 'head'] as const) {
        const s = r.soak[side];
        rows.push({
          scenario: `soak:${side}`, metric: 'memory_slope', unit: 'MiB/h', gated: true,
          [side]: s.slopeMiBPerHour === null ? null : round(s.slopeMiBPerHour, 3), p: s.p, verdict: s.leak ? 'leak' : 'no leak',
        });
      }
    }
    if (rows.length === 0) rows.push({});
    for (const row of rows) {
      const full: Record<string, unknown> = { ...common, ...row };
      lines.push(CSV_COLUMNS.map((c) => cell(full[c])).join(','));
    }
  }
  return lines.join('\n') + '\n';
}
