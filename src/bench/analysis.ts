// Turns the samples of a compare into verdicts: per scenario and metric, Mann-Whitney U and the
// Hodges-Lehmann head/base ratio with its interval, judged against a threshold that is never below what
// this runner's noise allows, then Holm across every gated test before anything is called a regression.
import type { MetricName, MetricResult, RunSample, ScenarioResult, Verdict, WarmupSummary } from '../model.ts';
import type { Thresholds } from '../config/schema.ts';
import {
  coefficientOfVariation,
  decideVerdict,
  hodgesLehmannRatio,
  holm,
  mannWhitneyU,
  minDetectableChange,
  normalQuantile,
  pairsNeededFor,
} from '../stats/index.ts';
import { METRICS } from './metrics.ts';

export interface AnalysisOptions {
  thresholds: Thresholds;
  gatedMetrics: readonly MetricName[];
  /** Confidence level of the intervals: 0.99 when the schedule may look more than once. */
  confidence: number;
  /** Calibrated run-to-run CV per `${scenario}/${metric}` (from `bumpbench calibrate`). */
  calibration?: Map<string, { cv: number; runs: number }>;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Pairs needed for the interval to settle on one side of the decision boundary, roughly. */
function estimatePairsNeeded(cv: number, logRatio: number, threshold: number): number {
  const distance = Math.max(Math.abs(Math.abs(logRatio) - Math.log1p(threshold)), 0.25 * threshold);
  const z = 2.58;
  return Math.min(1000, Math.ceil(2 * ((z * cv) / distance) ** 2));
}

function analyseMetric(
  scenario: string,
  metric: (typeof METRICS)[number],
  base: RunSample[],
  head: RunSample[],
  options: AnalysisOptions,
): MetricResult | undefined {
  const b = base.map(metric.read).filter((v) => Number.isFinite(v) && v > 0);
  const h = head.map(metric.read).filter((v) => Number.isFinite(v) && v > 0);
  if (b.length < 2 || h.length < 2) return undefined;
  const gated = options.gatedMetrics.includes(metric.name);
  const configured = options.thresholds[metric.name];
  const observedCv = (coefficientOfVariation(b) + coefficientOfVariation(h)) / 2;
  const calibrated = options.calibration?.get(`${scenario}/${metric.name}`)?.cv;
  const cv = calibrated !== undefined ? Math.max(calibrated, observedCv) : observedCv;
  const n = Math.min(b.length, h.length);
  const minDetectable = minDetectableChange(cv, n);
  const threshold = Math.max(configured, minDetectable);
  const test = mannWhitneyU(h, b);
  const hl = hodgesLehmannRatio(b, h, options.confidence);
  let verdict = decideVerdict(hl, threshold, metric.direction);
  // The noise floor raises the bar for calling a change (no false alarms from a noisy runner), but it must
  // not lower the bar for "unchanged": that still means the whole interval lies inside the configured ±δ.
  // Otherwise a runner with 60% noise would call a 20% slowdown "unchanged" because ±57% was its floor.
  const demoted = verdict === 'unchanged' && threshold > configured && decideVerdict(hl, configured, metric.direction) !== 'unchanged';
  if (demoted) verdict = 'inconclusive';
  const result: MetricResult = {
    base: median(b),
    head: median(h),
    ratio: hl.ratio,
    ci: [hl.lo, hl.hi],
    confidence: options.confidence,
    p: test.p,
    verdict,
    threshold,
    gated,
    minDetectable,
  };
  pairsOf.set(result, n);
  if (verdict === 'inconclusive') {
    result.pairsNeeded = Math.max(n + 1, demoted ? Math.min(1000, pairsNeededFor(cv, configured)) : estimatePairsNeeded(cv, Math.log(hl.ratio), threshold));
  }
  return result;
}

/**
 * A change past the threshold whose p-value did not survive Holm: pairs needed, roughly, for p to fall
 * below α divided by the same Holm factor (z grows with √n for a fixed effect).
 */
function pairsForHolm(p: number, pAdjusted: number, alpha: number, n: number): number {
  const factor = pAdjusted / Math.max(p, Number.MIN_VALUE);
  const zSeen = normalQuantile(1 - Math.max(p, 1e-300) / 2);
  const zNeeded = normalQuantile(1 - alpha / factor / 2);
  return Math.min(1000, Math.max(n + 1, Math.ceil(n * (zNeeded / zSeen) ** 2)));
}

/** Pairs behind each metric result, for estimates made after the per-metric step. */
const pairsOf = new WeakMap<MetricResult, number>();

function scenarioVerdict(metrics: MetricResult[]): Verdict {
  const gated = metrics.filter((m) => m.gated);
  if (gated.length === 0) return 'inconclusive';
  if (gated.some((m) => m.verdict === 'regression')) return 'regression';
  if (gated.some((m) => m.verdict === 'inconclusive')) return 'inconclusive';
  if (gated.some((m) => m.verdict === 'improvement')) return 'improvement';
  return 'unchanged';
}

/** How long one side's runs warmed up; null when none recorded a warm-up. */
export function warmupSummary(runs: readonly RunSample[]): WarmupSummary | null {
  const seconds = runs.map((r) => r.warmupSec).filter((s): s is number => s !== undefined && s > 0);
  if (seconds.length === 0) return null;
  return {
    runs: seconds.length,
    medianSec: Math.round(median(seconds) * 100) / 100,
    maxSec: Math.round(Math.max(...seconds) * 100) / 100,
    unsettled: runs.filter((r) => r.warmupSettled === false).length,
  };
}

export function analyseSamples(scenarios: string[], samples: RunSample[], options: AnalysisOptions): ScenarioResult[] {
  const results = scenarios.map((name): ScenarioResult => {
    const mine = samples.filter((s) => s.scenario === name);
    const ok = mine.filter((s) => s.ok);
    const base = ok.filter((s) => s.side === 'base');
    const head = ok.filter((s) => s.side === 'head');
    const metrics: ScenarioResult['metrics'] = {};
    for (const metric of METRICS) {
      const r = analyseMetric(name, metric, base, head, options);
      if (r) metrics[metric.name] = r;
    }
    const warmBase = warmupSummary(base);
    const warmHead = warmupSummary(head);
    return {
      name,
      verdict: 'inconclusive',
      pairs: Math.min(base.length, head.length),
      metrics,
      failedRuns: mine.length - ok.length,
      loadGenBoundRuns: mine.filter((s) => s.loadGenBound).length,
      ...(warmBase && warmHead ? { warmup: { base: warmBase, head: warmHead } } : {}),
    };
  });

  // Holm over every gated test of the job: many scenarios × metrics must not multiply false alarms.
  const gatedTests = results.flatMap((r) => Object.values(r.metrics).filter((m): m is MetricResult => !!m && m.gated));
  const adjusted = holm(gatedTests.map((m) => m.p));
  const alpha = 1 - options.confidence;
  gatedTests.forEach((m, i) => {
    m.pAdjusted = adjusted[i];
    if ((m.verdict === 'regression' || m.verdict === 'improvement') && adjusted[i] >= alpha) {
      m.verdict = 'inconclusive';
      m.pairsNeeded = pairsForHolm(m.p, adjusted[i], alpha, pairsOf.get(m) ?? 2);
    }
  });

  for (const r of results) {
    const failedHead = samples.filter((s) => s.scenario === r.name && s.side === 'head' && !s.ok).length;
    const failedBase = samples.filter((s) => s.scenario === r.name && s.side === 'base' && !s.ok).length;
    const headRuns = samples.filter((s) => s.scenario === r.name && s.side === 'head').length;
    // Errors are not speed: a head that fails where base does not is a regression whatever the timings say.
    if (headRuns > 0 && failedHead >= Math.ceil(headRuns / 2) && failedBase === 0) r.verdict = 'regression';
    else r.verdict = scenarioVerdict(Object.values(r.metrics).filter((m): m is MetricResult => !!m));
  }
  return results;
}

export function overallVerdict(scenarios: ScenarioResult[]): Verdict {
  const verdicts = scenarios.map((s) => s.verdict);
  if (verdicts.includes('regression')) return 'regression';
  if (verdicts.length === 0 || verdicts.includes('inconclusive')) return 'inconclusive';
  if (verdicts.includes('improvement')) return 'improvement';
  return 'unchanged';
}
