// `npm run bench:sensitivity`: what the default method can and cannot see on this machine.
//
// Builds a git repo from examples/sensitivity-app (base on `main`; an A/A head that changes nothing that
// runs; A/B heads that make a request to /items cost exactly 2%, 5%, 10% or 20% more) and runs real
// compares in-process with the app's default settings. "+5%" is 5% of what a request costs on this
// machine, loop and HTTP together: the loop is made longer by 5% ÷ its share of the request, a share read
// from the first A/A compare's own runs (the two endpoints differ only in their loop's length, so their
// CPU per request gives the cost of an iteration and of the rest). Cases interleave (run 1 of every case,
// then run 2, …) so a machine that drifts over the hours hits every case alike. Prints per case the verdicts of every run, the false-alarm
// rate and how many A/A compares were decided, the detection rate (A/B), whether the harmless +2% was
// ever called a regression, and the wall time per compare. Figures only, no asserts: docs/methodology.md
// records what it printed.
//
//   npm run bench:sensitivity -- [--runs N] [--cases aa,2,5,10,20] [--calibrate] [--out FILE.jsonl] [--verbose]
//   npm run bench:sensitivity -- --summarise FILE.jsonl     (figures of earlier runs, e.g. made in parts)
//
// Every run gets a fresh data dir (so no calibration applies) unless --calibrate, which first runs
// `bumpbench calibrate` on main once and lets every compare use it.
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { METRICS } from '../src/bench/metrics.ts';
import type { JobResult, MetricName, MetricResult, RunSample, ScenarioResult, Verdict } from '../src/model.ts';
import { runCalibrate } from '../src/pipeline/calibrate.ts';
import { runJob } from '../src/pipeline/run-job.ts';
import { coefficientOfVariation, median } from '../src/stats/index.ts';

const APP_DIR = path.resolve(import.meta.dirname, '../examples/sensitivity-app');
const CHANGED = 'items';
const CONTROL = 'search';
const ALL_CASES = ['aa', '2', '5', '10', '20'] as const;
type CaseName = (typeof ALL_CASES)[number];

/** What a request costs on this machine, from an A/A compare: an iteration of the loop and the rest. */
interface CostModel {
  iterationNs: number;
  overheadUs: number;
  /** The loop's share of an /items request's CPU. */
  loopShare: number;
  /** /items iterations of each case's head. */
  iterations: Partial<Record<CaseName, number>>;
}

interface RunRecord {
  case: CaseName;
  run: number;
  /** The cost model the A/B heads were built with. */
  costModel?: CostModel;
  seconds: number;
  verdict: Verdict;
  scenarios: { name: string; verdict: Verdict; pairs: number; failedRuns: number; loadGenBoundRuns: number;
    /** Each side's warm-up before the measured runs (seconds), to account for the wall time. */
    warmup?: ScenarioResult['warmup'];
    metrics: Partial<Record<MetricName, MetricResult & { cvBase: number; cvHead: number }>> }[];
  error?: string;
  /** The raw runs, compact, so a record can be re-analysed later: [side, pair, scenario, ok, req/s, p50 µs, p99 µs, CPU µs/req]. */
  samples?: [string, number, string, boolean, number, number, number, number][];
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** One repo for every case: main is the base, the A/A head a branch with a commit that changes nothing that runs. */
function buildRepo(): { repo: string; branches: Partial<Record<CaseName, string>> } {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'bumpbench-sensitivity-'));
  cpSync(APP_DIR, repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.email', 'bench@example.com');
  git(repo, 'config', 'user.name', 'bumpbench sensitivity');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'sensitivity app');
  git(repo, 'checkout', '-q', '-b', 'same-cost', 'main');
  // A real commit that changes nothing that runs, as an A/A pull request would.
  writeFileSync(path.join(repo, 'NOTES.md'), 'A/A: nothing that runs changed.\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'A/A: notes only');
  git(repo, 'checkout', '-q', 'main');
  return { repo, branches: { aa: 'same-cost' } };
}

const baseCost = (repo: string) => JSON.parse(readFileSync(path.join(repo, 'cost.json'), 'utf8')) as Record<string, number>;

/**
 * The cost of a request from an A/A compare's runs: /items and /search run the same code but for the
 * loop's length, so the difference of their CPU per request is the cost of the extra iterations, and
 * what is left of /items beyond its loop is the HTTP part.
 */
function costModelFrom(samples: RunSample[], cost: Record<string, number>, cases: readonly CaseName[]): CostModel {
  const cpuOf = (scenario: string) => median(samples.filter((s) => s.ok && s.scenario === scenario).map((s) => s.cpuPerRequest));
  const items = cpuOf(CHANGED);
  const search = cpuOf(CONTROL);
  const iteration = (items - search) / (cost[CHANGED] - cost[CONTROL]);
  const loopShare = (iteration * cost[CHANGED]) / items;
  if (!(loopShare > 0.5 && loopShare <= 1.02)) {
    throw new Error(`the A/A runs give /${CHANGED} ${(items * 1e6).toFixed(0)} µs and /${CONTROL} ${(search * 1e6).toFixed(0)} µs of CPU per request: a loop share of ${loopShare.toFixed(3)}, which cannot be right (expected 0.5–1); is the machine busy?`);
  }
  const iterations: CostModel['iterations'] = {};
  for (const c of cases) if (c !== 'aa') iterations[c] = Math.round(cost[CHANGED] * (1 + Number(c) / 100 / Math.min(1, loopShare)));
  return { iterationNs: iteration * 1e9, overheadUs: (items - iteration * cost[CHANGED]) * 1e6, loopShare, iterations };
}

/** A branch per A/B case, each with one commit that sets /items' loop to the model's length. */
function addCostBranches(repo: string, cost: Record<string, number>, model: CostModel, branches: Partial<Record<CaseName, string>>): void {
  for (const [name, iterations] of Object.entries(model.iterations) as [CaseName, number][]) {
    const branch = `items-plus-${name}pct`;
    git(repo, 'checkout', '-q', '-b', branch, 'main');
    writeFileSync(path.join(repo, 'cost.json'), `${JSON.stringify({ ...cost, [CHANGED]: iterations })}\n`);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', `items: a request costs ${name}% more (${iterations} iterations)`);
    branches[name] = branch;
  }
  git(repo, 'checkout', '-q', 'main');
}

function cvs(samples: RunSample[], scenario: string, metric: (typeof METRICS)[number]): { cvBase: number; cvHead: number } {
  const of = (side: 'base' | 'head') =>
    coefficientOfVariation(samples.filter((s) => s.ok && s.scenario === scenario && s.side === side).map(metric.read));
  return { cvBase: of('base'), cvHead: of('head') };
}

const round = (v: number) => Math.round(v * 1000) / 1000;

function record(caseName: CaseName, run: number, seconds: number, result: JobResult): RunRecord {
  const samples = result.samples ?? [];
  return {
    case: caseName,
    run,
    seconds,
    verdict: result.verdict,
    samples: samples.map((s) => [s.side, s.pair, s.scenario, s.ok, round(s.throughput), round(s.latencyUs.p50), round(s.latencyUs.p99), round(s.cpuPerRequest * 1e6)]),
    scenarios: result.scenarios.map((s: ScenarioResult) => ({
      name: s.name,
      verdict: s.verdict,
      pairs: s.pairs,
      failedRuns: s.failedRuns,
      loadGenBoundRuns: s.loadGenBoundRuns,
      ...(s.warmup ? { warmup: s.warmup } : {}),
      metrics: Object.fromEntries(
        METRICS.filter((m) => s.metrics[m.name]).map((m) => [m.name, { ...s.metrics[m.name]!, ...cvs(samples, s.name, m) }]),
      ),
    })),
  };
}

const pct = (ratio: number) => `${ratio >= 1 ? '+' : '−'}${Math.abs((ratio - 1) * 100).toFixed(1)}%`;
const rate = (k: number, n: number) => `${k}/${n}${n ? ` (${Math.round((100 * k) / n)}%)` : ''}`;

/** The point a 5% slowdown of /items moves each metric to: up 5% for costs, throughput to 1/1.05. */
function slowdownPoint(metric: MetricName, slowdown: number): number {
  return metric === 'throughput' ? 1 / (1 + slowdown) : 1 + slowdown;
}

function describeRun(r: RunRecord): string {
  if (r.error) return `  run ${r.run}: failed after ${r.seconds.toFixed(0)} s: ${r.error}`;
  const lines = [`  run ${r.run}: ${r.verdict} in ${r.seconds.toFixed(0)} s`];
  for (const s of r.scenarios) {
    const warm = s.warmup ? `, warm-up ${s.warmup.base.medianSec.toFixed(1)}/${s.warmup.head.medianSec.toFixed(1)} s` : '';
    lines.push(`    ${s.name}: ${s.verdict}, ${s.pairs} pairs${warm}${s.failedRuns ? `, ${s.failedRuns} failed runs` : ''}${s.loadGenBoundRuns ? `, ${s.loadGenBoundRuns} load-generator bound` : ''}`);
    for (const [name, m] of Object.entries(s.metrics) as [MetricName, RunRecord['scenarios'][number]['metrics'][MetricName] & object][]) {
      lines.push(
        `      ${name.padEnd(16)} ${pct(m.ratio).padStart(7)} [${pct(m.ci[0])} … ${pct(m.ci[1])}] p=${m.p.toExponential(1)}` +
          `${m.pAdjusted !== undefined ? ` holm=${m.pAdjusted.toExponential(1)}` : ''} δ=${(m.threshold * 100).toFixed(1)}%` +
          ` cv=${(m.cvBase * 100).toFixed(1)}/${(m.cvHead * 100).toFixed(1)}% ${m.gated ? m.verdict : `(${m.verdict}, not gated)`}`,
      );
    }
  }
  return lines.join('\n');
}

function summarise(caseName: CaseName, records: RunRecord[]): string {
  const done = records.filter((r) => !r.error);
  const scenario = (r: RunRecord, name: string) => r.scenarios.find((s) => s.name === name);
  const count = (pred: (r: RunRecord) => boolean) => done.filter(pred).length;
  const secs = done.map((r) => r.seconds).sort((a, b) => a - b);
  const tally = (name: string) => {
    const by = new Map<string, number>();
    for (const r of done) by.set(scenario(r, name)?.verdict ?? 'missing', (by.get(scenario(r, name)?.verdict ?? 'missing') ?? 0) + 1);
    return [...by].map(([v, k]) => `${v} ${k}`).join(', ');
  };
  const lines = [`case ${caseName === 'aa' ? 'A/A' : `A/B +${caseName}% on /${CHANGED}`}: ${done.length} runs${records.length > done.length ? ` (${records.length - done.length} failed to run)` : ''}`];
  lines.push(`  /${CHANGED}: ${tally(CHANGED)}`);
  lines.push(`  /${CONTROL}: ${tally(CONTROL)}`);
  if (caseName === 'aa') {
    lines.push(`  false alarms (any scenario called regression): ${rate(count((r) => r.verdict === 'regression'), done.length)}`);
    lines.push(`  wrong-way calls (any improvement): ${rate(count((r) => r.scenarios.some((s) => s.verdict === 'improvement')), done.length)}`);
    lines.push(`  decided (not inconclusive): ${rate(count((r) => r.verdict !== 'inconclusive'), done.length)}`);
  } else if (caseName === '2') {
    // A change under half the default 5% threshold: the gate must never call it.
    lines.push(`  called a regression (must be 0): ${rate(count((r) => r.verdict === 'regression'), done.length)}`);
    lines.push(`  decided (not inconclusive): ${rate(count((r) => r.verdict !== 'inconclusive'), done.length)}`);
    const cpu = done.map((r) => scenario(r, CHANGED)?.metrics.cpu_per_request).filter((m) => m !== undefined);
    if (cpu.length) lines.push(`  CPU per request of /${CHANGED}, estimates: ${cpu.map((m) => pct(m.ratio)).join(' ')}`);
  } else {
    lines.push(`  detected (/${CHANGED} regression): ${rate(count((r) => scenario(r, CHANGED)?.verdict === 'regression'), done.length)}`);
    lines.push(`  false alarms on the control /${CONTROL}: ${rate(count((r) => scenario(r, CONTROL)?.verdict === 'regression'), done.length)}`);
    const model = done.find((r) => r.costModel)?.costModel;
    if (model) lines.push(`  head: /${CHANGED} loop of ${model.iterations[caseName]} iterations (the loop is ${(model.loopShare * 100).toFixed(1)}% of a request here, so +${caseName}% of the request)`);
    const slowdown = Number(caseName) / 100;
    // Honest: never cleared ("unchanged" or "below threshold") while an interval of a gated metric still includes the true slowdown.
    const dishonest = count((r) => {
      const s = scenario(r, CHANGED);
      if (s?.verdict !== 'unchanged' && s?.verdict !== 'below-threshold') return false;
      return (Object.entries(s.metrics) as [MetricName, MetricResult][]).some(
        ([n, m]) => m.gated && m.ci[0] <= slowdownPoint(n, slowdown) && slowdownPoint(n, slowdown) <= m.ci[1],
      );
    });
    lines.push(`  cleared with an interval that includes ${caseName}%: ${rate(dishonest, done.length)}`);
    const cpu = done.map((r) => scenario(r, CHANGED)?.metrics.cpu_per_request).filter((m) => m !== undefined);
    if (cpu.length) lines.push(`  CPU per request of /${CHANGED}, estimates: ${cpu.map((m) => pct(m.ratio)).join(' ')}`);
  }
  if (secs.length) lines.push(`  wall time per compare: median ${median(secs).toFixed(0)} s, range ${secs[0].toFixed(0)}–${secs[secs.length - 1].toFixed(0)} s`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '10' },
      cases: { type: 'string', default: ALL_CASES.join(',') },
      calibrate: { type: 'boolean', default: false },
      out: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      summarise: { type: 'string' },
    },
  });
  if (values.summarise) {
    // Figures from records written by earlier (partial) runs with --out, e.g. one case per session.
    const records = readFileSync(values.summarise, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord);
    for (const c of ALL_CASES) {
      const mine = records.filter((r) => r.case === c);
      if (mine.length) console.log(`${summarise(c, mine)}\n`);
    }
    return;
  }
  const runs = Number(values.runs);
  if (!(Number.isInteger(runs) && runs >= 1)) throw new Error('--runs must be a whole number >= 1');
  const cases = values.cases.split(',').map((c) => c.trim()) as CaseName[];
  const unknown = cases.filter((c) => !ALL_CASES.includes(c));
  if (unknown.length) throw new Error(`unknown case(s) ${unknown.join(', ')}: use ${ALL_CASES.join(',')}`);

  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  process.on('SIGTERM', () => controller.abort());
  const childEnv = process.env.COST_SCALE ? { COST_SCALE: process.env.COST_SCALE } : undefined;
  const progress = values.verbose ? (e: { phase: string; message: string }) => console.error(`    [${e.phase}] ${e.message}`) : undefined;

  const { repo, branches } = buildRepo();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`sensitivity benchmark: ${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${load}`);
  console.log(`repo ${repo}; cases ${cases.join(',')}; ${runs} run(s) each; ${values.calibrate ? 'calibrated first' : 'fresh data dir per run (no calibration)'}\n`);

  const sharedDir = values.calibrate ? mkdtempSync(path.join(os.tmpdir(), 'bumpbench-sensitivity-data-')) : undefined;
  const summaries: string[] = [];
  try {
    if (sharedDir) {
      const started = Date.now();
      const { rows } = await runCalibrate({ repo, ref: 'main' }, { dataDir: sharedDir, childEnv, signal: controller.signal, onProgress: progress });
      console.log(`calibration (${((Date.now() - started) / 1000).toFixed(0)} s):`);
      for (const r of rows) console.log(`  ${r.scenario}/${r.metric}: cv ${(r.cv * 100).toFixed(2)}% over ${r.runs} runs → smallest change ${(r.minDetectable * 100).toFixed(1)}%`);
      console.log('');
    }
    const compare = async (caseName: CaseName, dataDir: string) =>
      runJob(
        { kind: 'compare', repo, base: { ref: 'main' }, head: { ref: branches[caseName]! } },
        { dataDir, childEnv, keepSamples: true, signal: controller.signal, onProgress: progress },
      );
    let costModel: CostModel | undefined;
    /** The A/B heads, once an A/A compare has said what a request costs. */
    const modelFrom = (samples: RunSample[]) => {
      const cost = baseCost(repo);
      costModel = costModelFrom(samples, cost, cases);
      addCostBranches(repo, cost, costModel, branches);
      const heads = Object.entries(costModel.iterations).map(([c, n]) => `+${c}%: ${n}`).join(', ');
      console.log(`cost of a request: ${costModel.iterationNs.toFixed(3)} ns an iteration, ${costModel.overheadUs.toFixed(0)} µs the rest; the loop is ${(costModel.loopShare * 100).toFixed(1)}% of /${CHANGED}; /${CHANGED} iterations of the heads: ${heads}\n`);
    };
    if (!cases.includes('aa') && cases.length > 0) {
      // No A/A case to read the cost from: one A/A compare, not counted, only to measure it.
      const dataDir = sharedDir ?? mkdtempSync(path.join(os.tmpdir(), 'bumpbench-sensitivity-data-'));
      try {
        modelFrom((await compare('aa', dataDir)).samples ?? []);
      } finally {
        if (!sharedDir) rmSync(dataDir, { recursive: true, force: true });
      }
    }
    // The A/A case first in every round: its first compare gives the cost model.
    const order = [...cases].sort((a, b) => Number(b === 'aa') - Number(a === 'aa'));
    const records = new Map<CaseName, RunRecord[]>(order.map((c) => [c, []]));
    for (let run = 1; run <= runs; run++) {
      for (const caseName of order) {
        const dataDir = sharedDir ?? mkdtempSync(path.join(os.tmpdir(), 'bumpbench-sensitivity-data-'));
        const started = Date.now();
        let rec: RunRecord;
        try {
          const result = await compare(caseName, dataDir);
          rec = { ...record(caseName, run, (Date.now() - started) / 1000, result), ...(costModel && caseName !== 'aa' ? { costModel } : {}) };
          if (!costModel && caseName === 'aa') modelFrom(result.samples ?? []);
        } catch (err) {
          if (controller.signal.aborted) throw err;
          rec = { case: caseName, run, seconds: (Date.now() - started) / 1000, verdict: 'inconclusive', scenarios: [], error: (err as Error).message };
          // Without a cost model there are no A/B heads: nothing else can run.
          if (!costModel) throw new Error(`the first A/A compare, which measures what a request costs, failed: ${rec.error}`);
        } finally {
          if (!sharedDir) rmSync(dataDir, { recursive: true, force: true });
        }
        records.get(caseName)!.push(rec);
        console.log(`${caseName === 'aa' ? 'A/A' : `A/B +${caseName}%`} (head: ${branches[caseName]})\n${describeRun(rec)}`);
        if (values.out) appendFileSync(values.out, `${JSON.stringify({ ...rec, at: new Date().toISOString(), loadavg: os.loadavg() })}\n`);
      }
    }
    for (const caseName of cases) {
      const summary = summarise(caseName, records.get(caseName)!);
      summaries.push(summary);
      console.log(`\n${summary}`);
    }
  } finally {
    rmSync(repo, { recursive: true, force: true });
    if (sharedDir) rmSync(sharedDir, { recursive: true, force: true });
  }
  console.log(`summary (load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})\n${summaries.join('\n')}`);
}

main().catch((err) => {
  console.error(`bench-sensitivity: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
