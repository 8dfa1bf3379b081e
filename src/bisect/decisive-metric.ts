// Which measurement decides every bisect step: among the gated metrics that regressed in the
// confirmation, the clearest one — the largest effect relative to its interval's width. On a shared
// machine that is usually CPU per request, whose run-to-run spread is the smallest.
import type { MetricName, ScenarioResult } from '../model.ts';

export interface DecisiveMetric {
  scenario: string;
  metric: MetricName;
  /** head/base from the confirmation. */
  ratio: number;
  ci: [number, number];
}

/** Effect size over half the interval width, on logs; 0 when the interval is unbounded. */
function clarity(ratio: number, ci: [number, number]): number {
  const half = (Math.log(ci[1]) - Math.log(ci[0])) / 2;
  if (!Number.isFinite(half) || half <= 0) return 0;
  return Math.abs(Math.log(ratio)) / half;
}

export function pickDecisiveMetric(scenarios: ScenarioResult[]): DecisiveMetric | null {
  let best: (DecisiveMetric & { score: number }) | null = null;
  for (const s of scenarios) {
    for (const [name, m] of Object.entries(s.metrics)) {
      if (!m || !m.gated || m.verdict !== 'regression') continue;
      const score = clarity(m.ratio, m.ci);
      if (!best || score > best.score) best = { scenario: s.name, metric: name as MetricName, ratio: m.ratio, ci: m.ci, score };
    }
  }
  if (!best) return null;
  const { score: _score, ...decisive } = best;
  return decisive;
}
