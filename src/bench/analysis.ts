// Turns the samples of a compare into verdicts: per scenario and metric, the gate's question "is head
// worse by δ or more?" (stats/decision.ts: Hodges-Lehmann ratio and interval, one-sided tests against the
// edges of the indifference zone), Holm across every gated test before anything is called a regression or
// an improvement, and a failed-runs rule for heads whose requests fail.
import type { MetricName, MetricResult, RunSample, ScenarioResult, ServiceUsageResult, Verdict, WarmupSummary } from '../model.ts';
import type { Thresholds } from '../config/schema.ts';
import {
  coefficientOfVariation,
  decideGate,
  detectableChange,
  fisherExactGreater,
  GATE_RULE,
  gateEvidence,
  hodgesLehmannRatio,
  holm,
  PAIRED_MIN_PAIRS,
  pairedGateEvidence,
  pairsToSettle,
  type GateEvidence,
  type GateRule,
} from '../stats/index.ts';
import { METRICS, type MetricSpec } from './metrics.ts';

export interface AnalysisOptions {
  thresholds: Thresholds;
  gatedMetrics: readonly MetricName[];
  /** The decision rule's levels (default GATE_RULE). */
  rule?: GateRule;
  /** Calibrated run-to-run CV per `${scenario}/${metric}` (from `bumpbench calibrate`). */
  calibration?: Map<string, { cv: number; runs: number }>;
}

/**
 * Failed runs: head's requests fail (errors, non-2xx, no response) in at least half its runs, and more
 * often than base's by Fisher's exact test at this level. One flaky base run weakens that evidence (10 of
 * 10 head runs failing against 1 of 10 base runs is still p < 0.001) instead of switching the rule off.
 */
export const FAILED_RUNS_ALPHA = 0.05;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

interface Measured {
  result: MetricResult;
  evidence: GateEvidence;
  spec: MetricSpec;
}

/** A metric value a test can take: finite and positive (its log exists). */
const usable = (v: number): boolean => Number.isFinite(v) && v > 0;

/** The values of one metric in pairs where both sides' runs succeeded and measured it, in pair order. */
export function completePairs(base: readonly RunSample[], head: readonly RunSample[], spec: Pick<MetricSpec, 'read'>): { base: number[]; head: number[] } {
  const headOf = new Map<number, number>();
  for (const run of head) {
    const v = spec.read(run);
    if (usable(v)) headOf.set(run.pair, v);
  }
  const out = { base: [] as number[], head: [] as number[] };
  const seen = new Set<number>();
  for (const run of [...base].sort((a, c) => a.pair - c.pair)) {
    const v = spec.read(run);
    const w = headOf.get(run.pair);
    // A pair number twice on one side would not be a pair: keep the first.
    if (!usable(v) || w === undefined || seen.has(run.pair)) continue;
    seen.add(run.pair);
    out.base.push(v);
    out.head.push(w);
  }
  return out;
}

/**
 * How much narrower the paired reading's interval must be to be used. Where noise does not outlast a pair
 * the two readings are about as wide and which one comes out narrower is chance, and a choice made by
 * chance leans towards the more extreme reading: in the simulation of a busy machine A/A false alarms were
 * 3 of 600 read as two samples only and 7 of 600 with this rule (the budget is 2%). On json-server the
 * paired CPU-per-request intervals were 0.3–0.7× as wide, so a stricter gain would lose real drift.
 */
const PAIRED_GAIN = 0.8;

function measureMetric(
  scenario: string, spec: MetricSpec, base: RunSample[], head: RunSample[], options: AnalysisOptions, boundRuns: number,
): Measured | undefined {
  const b = base.map(spec.read).filter(usable);
  const h = head.map(spec.read).filter(usable);
  if (b.length < 2 || h.length < 2) return undefined;
  const rule = options.rule ?? GATE_RULE;
  const threshold = options.thresholds[spec.name];
  const calibrated = options.calibration?.get(`${scenario}/${spec.name}`);
  const floor = calibrated ? { cv: calibrated.cv } : undefined;
  // Two readings of the same runs: all runs of each side (two-sample), and, from PAIRED_MIN_PAIRS complete
  // pairs on, the per-pair ratios, where drift and a neighbour busy for minutes cancel. The evidence is the
  // paired one when its interval is clearly narrower (PAIRED_GAIN; chosen by width, never by where the
  // interval lies): pairing wins where noise outlasts a pair (CPU per request and medians on a drifting
  // machine), the two-sample reading where it does not (tail latency, whose noise is each run's own, and
  // which the coarser signed-rank interval of ~10 pairs would only widen).
  const pairs = completePairs(base, head, spec);
  const unpaired = gateEvidence(b, h, threshold, spec.direction, rule, floor);
  const paired = pairs.base.length >= PAIRED_MIN_PAIRS ? pairedGateEvidence(pairs.base, pairs.head, threshold, spec.direction, rule, floor) : null;
  const evidence = paired && paired.spread < PAIRED_GAIN * unpaired.spread ? paired : unpaired;
  // The noise the evidence saw: within pairs (a per-pair ratio's spread ÷ √2, one run's worth), or run to run.
  const observed = evidence.paired
    ? coefficientOfVariation(pairs.head.map((v, i) => v / pairs.base[i])) / Math.SQRT2
    : (coefficientOfVariation(b) + coefficientOfVariation(h)) / 2;
  const result: MetricResult = {
    base: median(b),
    head: median(h),
    ratio: evidence.ratio,
    ci: [evidence.lo, evidence.hi],
    confidence: 1 - 2 * rule.beta,
    p: evidence.pChange,
    ...(evidence.paired ? { paired: evidence.pairs } : {}),
    verdict: 'inconclusive',
    threshold,
    harmless: rule.margin * threshold,
    gated: options.gatedMetrics.includes(spec.name),
    noise: { observed, ...(calibrated ? { calibrated: { cv: calibrated.cv, runs: calibrated.runs } } : {}) },
  };
  // A run the load generator limited measured autocannon's throughput, not the server's: such a
  // scenario's throughput is shown but never gates.
  if (result.gated && spec.name === 'throughput' && boundRuns > 0) {
    result.gated = false;
    result.ungated = 'load-generator-bound';
  }
  return { result, evidence, spec };
}

/** Whether the metric's estimate points the bad way (a slower head). */
function pointsWorse(m: MetricResult, spec: MetricSpec): boolean {
  return spec.direction === 'lower-is-better' ? m.ratio > 1 : m.ratio < 1;
}

/**
 * The order in which one metric's verdict decides a scenario (and a scenario's the job): a regression
 * fails the gate; "cannot tell" comes next because it is the open question; a real change under δ in the
 * bad direction is worth a reader's eye before an improvement; then improvements, other changes, nothing.
 */
const RANK = { regression: 0, inconclusive: 1, 'below-threshold-worse': 2, improvement: 3, 'below-threshold': 4, unchanged: 5 } as const;
type Ranked = keyof typeof RANK;

function rankOf(verdict: Verdict, worse: boolean): Ranked {
  return verdict === 'below-threshold' && worse ? 'below-threshold-worse' : verdict;
}

function worst(ranked: Ranked[]): Ranked | undefined {
  return ranked.sort((a, b) => RANK[a] - RANK[b])[0];
}

const verdictOfRank = (r: Ranked): Verdict => (r === 'below-threshold-worse' ? 'below-threshold' : r);

/** The verdict-deciding rank of a scenario: its worst gated metric (a below-threshold change keeps its direction). */
function scenarioRank(s: ScenarioResult): Ranked {
  if (s.verdict !== 'below-threshold') return s.verdict;
  const worse = (Object.entries(s.metrics) as [MetricName, MetricResult][]).some(
    ([name, m]) => m.gated && m.verdict === 'below-threshold' && pointsWorse(m, METRICS.find((x) => x.name === name)!),
  );
  return worse ? 'below-threshold-worse' : 'below-threshold';
}

/**
 * Whether a scenario may be worse on head: a regression, a "cannot tell", or a real change under δ that
 * points the wrong way. These are the scenarios a report has something to explain about.
 */
export function mayBeWorse(s: ScenarioResult): boolean {
  const rank = scenarioRank(s);
  return rank === 'regression' || rank === 'inconclusive' || rank === 'below-threshold-worse';
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

/**
 * The services' own work per scenario: a database that does twice the work per request after a bump (an
 * ORM issuing more queries) is worth seeing, but it is not the server's CPU, so it is reported apart.
 */
export function serviceUsage(base: RunSample[], head: RunSample[], confidence = 0.95): ServiceUsageResult[] {
  const names = [...new Set([...base, ...head].flatMap((s) => Object.keys(s.services ?? {})))];
  const perRequest = (runs: RunSample[], name: string) =>
    runs.filter((s) => s.services?.[name] && s.requests > 0).map((s) => (s.services![name].cpuSeconds / s.requests) * 1e6);
  const rss = (runs: RunSample[], name: string) => runs.filter((s) => s.services?.[name]).map((s) => s.services![name].peakRssBytes / (1024 * 1024));
  return names.map((name) => {
    const b = perRequest(base, name);
    const h = perRequest(head, name);
    const positive = (values: number[]) => values.filter((v) => v > 0);
    const ratio = positive(b).length >= 2 && positive(h).length >= 2 ? hodgesLehmannRatio(positive(b), positive(h), confidence) : null;
    return {
      name,
      base: { cpuPerRequestUs: b.length ? median(b) : 0, peakRssMiB: rss(base, name).length ? median(rss(base, name)) : 0 },
      head: { cpuPerRequestUs: h.length ? median(h) : 0, peakRssMiB: rss(head, name).length ? median(rss(head, name)) : 0 },
      cpuPerRequest: ratio ? { ratio: ratio.ratio, ci: [ratio.lo, ratio.hi] } : null,
    };
  });
}

export function analyseSamples(scenarios: string[], samples: RunSample[], options: AnalysisOptions): ScenarioResult[] {
  const rule = options.rule ?? GATE_RULE;
  const measured = new Map<string, Measured[]>();
  const results = scenarios.map((name): ScenarioResult => {
    const mine = samples.filter((s) => s.scenario === name);
    const ok = mine.filter((s) => s.ok);
    const base = ok.filter((s) => s.side === 'base');
    const head = ok.filter((s) => s.side === 'head');
    const metrics: ScenarioResult['metrics'] = {};
    const list: Measured[] = [];
    const boundRuns = mine.filter((s) => s.loadGenBound).length;
    for (const spec of METRICS) {
      const m = measureMetric(name, spec, base, head, options, boundRuns);
      if (!m) continue;
      metrics[spec.name] = m.result;
      list.push(m);
    }
    measured.set(name, list);
    const warmBase = warmupSummary(base);
    const warmHead = warmupSummary(head);
    const services = serviceUsage(base, head);
    return {
      name,
      verdict: 'inconclusive',
      pairs: Math.min(base.length, head.length),
      metrics,
      failedRuns: mine.length - ok.length,
      loadGenBoundRuns: boundRuns,
      ...(warmBase && warmHead ? { warmup: { base: warmBase, head: warmHead } } : {}),
      ...(services.length > 0 ? { services } : {}),
    };
  });

  // Holm over every gated test of the job: many scenarios × metrics must not multiply false claims. Each
  // test is the one-sided test in the direction its estimate points (the other side's p is >= 1/2).
  const all = [...measured.values()].flat();
  const gated = all.filter((m) => m.result.gated);
  const adjusted = holm(gated.map((m) => Math.min(m.evidence.pWorse, m.evidence.pBetter)));
  const adjustedOf = new Map(gated.map((m, i) => [m, adjusted[i]]));
  // "A real change" is a claim too: held to the same family correction, or an A/A job with eight gated
  // tests would show one "below threshold" change in three.
  const changeAdjusted = holm(gated.map((m) => m.result.p));
  const changeAdjustedOf = new Map(gated.map((m, i) => [m, changeAdjusted[i]]));
  for (const m of all) {
    const { evidence, result, spec } = m;
    const worseSide = evidence.pWorse <= evidence.pBetter;
    // Metrics that are not gated are reported on their own p: no claim of theirs fails a check.
    const adj = adjustedOf.get(m) ?? Math.min(evidence.pWorse, evidence.pBetter);
    if (result.gated) result.pAdjusted = adj;
    result.verdict = decideGate(
      {
        ratio: evidence.ratio, lo: evidence.lo, hi: evidence.hi,
        pWorseAdjusted: worseSide ? adj : 1, pBetterAdjusted: worseSide ? 1 : adj, pChangeAdjusted: changeAdjustedOf.get(m) ?? result.p,
      },
      result.threshold, spec.direction, rule,
    );
    // The family decides how hard a regression is to call: both estimates use Holm's first step.
    const family = result.gated ? Math.max(1, gated.length) : 1;
    result.minDetectable = detectableChange(evidence.spread, evidence.pairs, result.threshold, spec.direction, family, rule);
    if (result.verdict === 'inconclusive') {
      const n = pairsToSettle(evidence, result.threshold, spec.direction, family, rule);
      if (n !== null) result.pairsNeeded = n;
    }
  }

  for (const r of results) {
    const runs = samples.filter((s) => s.scenario === r.name);
    const headRuns = runs.filter((s) => s.side === 'head');
    const baseRuns = runs.filter((s) => s.side === 'base');
    const failedHead = headRuns.filter((s) => !s.ok).length;
    const failedBase = baseRuns.filter((s) => !s.ok).length;
    // Errors are not speed: a head that fails where base does not is a regression whatever the timings say.
    const failing =
      headRuns.length > 0 &&
      failedHead >= Math.ceil(headRuns.length / 2) &&
      fisherExactGreater(failedHead, headRuns.length, failedBase, baseRuns.length) < FAILED_RUNS_ALPHA;
    if (failing) {
      r.verdict = 'regression';
      continue;
    }
    const ranked = (measured.get(r.name) ?? []).filter((m) => m.result.gated).map((m) => rankOf(m.result.verdict, pointsWorse(m.result, m.spec)));
    const w = worst(ranked);
    r.verdict = w ? verdictOfRank(w) : 'inconclusive';
  }
  return results;
}

/** The job's verdict: its worst scenario, in the order of RANK. */
export function overallVerdict(scenarios: ScenarioResult[]): Verdict {
  if (scenarios.length === 0) return 'inconclusive';
  return verdictOfRank(worst(scenarios.map(scenarioRank))!);
}
