// Measures two prepared trees against each other with the full method (alternating fresh-server pairs,
// adaptive repeats, analysis): what compare does for base vs head, and what bisect does for each step.
import type { MemorySeries } from '../bench/memory-trace.ts';
import type { LoadGenerator } from '../bench/index.ts';
import { analyseSamples } from '../bench/analysis.ts';
import { runSchedule, type ScheduleOutcome } from '../bench/scheduler.ts';
import type { RepoConfig } from '../config/schema.ts';
import type { ProgressFn, RunSample } from '../model.ts';
import { measureSample } from './measure-sample.ts';
import type { PreparedSide } from './prepare-side.ts';

export interface MeasurePairOptions {
  base: PreparedSide;
  head: PreparedSide;
  config: RepoConfig;
  load: LoadGenerator;
  serverCpus?: string;
  calibration?: Map<string, { cv: number; runs: number }>;
  /** Given: each sample's memory over the server's life is traced into these (runtime swaps chart them). */
  memoryTraces?: { base: MemorySeries[]; head: MemorySeries[] };
  /** Override config.repeats (bisect re-measures a final pair with more; a resume adds exactly so many). */
  repeats?: { min: number; max: number };
  /** Stored samples to carry on from (a resume): analysed with the new ones, their open scenarios measured on. */
  initial?: RunSample[];
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

/** Longest line of a failed run's output a note shows; longer ones keep their start and end (where the cause often is). */
const NOTE_LINE_CHARS = 240;
/** Output lines a note shows per failed run. */
const NOTE_OUTPUT_LINES = 3;

function clipMiddle(line: string, max = NOTE_LINE_CHARS): string {
  if (line.length <= max) return line;
  const half = Math.floor((max - 3) / 2);
  return `${line.slice(0, half)} … ${line.slice(-half)}`;
}

/**
 * A failed run's reason, short enough for the report's notes: its first line (what failed), then the
 * output's first few error lines (else its last lines), each cut in the middle. A server's output can be
 * one 2,000-character SQL statement per line (a seed script's failure), and five of those would bury the
 * report; the whole output stays with the run in the store (the samples table).
 */
export function briefFailure(failure: string): string {
  const [what, ...output] = failure.split('\n');
  const lines = [...new Set(output.map((l) => l.trim()).filter(Boolean))];
  const errors = lines.filter((l) => /\b(error|exception|fatal|traceback|panic)\b/i.test(l));
  const shown = errors.length > 0 ? errors.slice(0, NOTE_OUTPUT_LINES) : lines.slice(-NOTE_OUTPUT_LINES);
  const more = lines.length - shown.length;
  return [clipMiddle(what), ...shown.map((l) => clipMiddle(l)), ...(more > 0 ? [`(${more} more line(s) kept with the run in the store)`] : [])].join('\n');
}

export function describeProblems(samples: RunSample[]): string[] {
  const notes: string[] = [];
  const bound = samples.filter((s) => s.loadGenBound).length;
  if (bound > 0) {
    const workers = Math.max(1, ...samples.map((s) => s.loadGenWorkers ?? 1));
    notes.push(
      `${bound} of ${samples.length} runs were load-generator bound (autocannon's event loop saturated while the server's busiest thread and CPUs were under 80%)` +
        `${workers > 1 ? `, even with ${workers} load-generator workers` : ' and no spare CPU was left to scale out to'}: ` +
        `those scenarios' throughput measures the load generator, not the server, and does not gate. Run on a machine with more CPUs, or give each request more work.`,
    );
  }
  const failed = samples.filter((s) => !s.ok);
  if (failed.length > 0) {
    const reasons = [...new Set(failed.map((s) => `${s.side} ${s.scenario}: ${briefFailure(s.failure ?? 'no reason recorded')}`))].slice(0, 5);
    notes.push(`${failed.length} runs failed and were left out of the statistics: ${reasons.join('; ')}`);
  }
  return notes;
}

export function measurePair(options: MeasurePairOptions): Promise<ScheduleOutcome> {
  const { base, head, config, load } = options;
  const progress = options.onProgress ?? (() => {});
  const repeats = options.repeats ?? config.repeats;
  const scenarioNames = config.scenarios.map((s) => s.name);
  const analysisOptions = { thresholds: config.thresholds, gatedMetrics: config.gatedMetrics, calibration: options.calibration };
  return runSchedule({
    scenarios: scenarioNames,
    minPairs: repeats.min,
    maxPairs: repeats.max,
    signal: options.signal,
    ...(options.initial ? { initial: options.initial } : {}),
    measure: (side, pair, scenarios) =>
      measureSample({
        prepared: side === 'base' ? base : head, side, pair, config, load, serverCpus: options.serverCpus, scenarios,
        ...(options.memoryTraces ? { onMemoryTrace: (series: MemorySeries) => options.memoryTraces![side].push(series) } : {}),
      }),
    analyse: (samples) => analyseSamples(scenarioNames, samples, analysisOptions),
    onPair: (pair, planned, order, scenarios) =>
      progress({
        phase: 'measure',
        message: `${base.label} vs ${head.label}: pair ${pair} of ${planned} done (${order.join(' then ')}${scenarios.length < scenarioNames.length ? `; still open: ${scenarios.join(', ')}` : ''})`,
        step: pair, total: planned,
      }),
    onLook: (pairs, results) =>
      progress({ phase: 'analyse', message: `after ${pairs} pairs: ${results.map((r) => `${r.name} ${r.verdict}`).join(', ')}` }),
  });
}
