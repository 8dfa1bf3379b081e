// Synthetic RunSamples for analysis, scheduler and report tests: a server whose CPU cost per request is
// `cost` µs, measured with seeded multiplicative noise, and the wall-clock metrics that follow from it
// on a saturated single-threaded server (throughput ∝ 1/cost, latency ∝ cost).
import type { RunSample } from '../../src/model.ts';
import { normalSource, seededRandom } from '../stats/random.ts';

export interface SyntheticSide {
  /** CPU µs per request. */
  cost: number;
  /** Fail this run (errors on every request). */
  fail?: boolean;
  loadGenBound?: boolean;
}

export interface NoiseModel {
  /** Run-to-run CV of wall-clock metrics (throughput, latency). */
  cv: number;
  /** Run-to-run CV of CPU per request (steadier: contention slows the clock, not the work). */
  cpuCv?: number;
  /** Extra CV of the p99 tail. */
  tailCv?: number;
  /** Chance a run is hit by contention, and how much slower its wall-clock metrics are then. */
  outlierRate?: number;
  outlierFactor?: number;
  /**
   * Noise that outlasts a pair: a CV per pair shared by both runs of the pair and all their metrics (a
   * machine that drifts over minutes, a neighbour busy for a while).
   */
  pairCv?: number;
}

const CONNECTIONS = 10;
const DURATION = 3;

/** A noise source: each call draws one run's multiplicative factors. */
export function noiseSource(seed: number, model: NoiseModel) {
  const uniform = seededRandom(seed);
  const normal = normalSource(uniform);
  const lognormal = (cv: number) => Math.exp(cv * normal() - (cv * cv) / 2);
  return () => {
    const hit = uniform() < (model.outlierRate ?? 0) ? (model.outlierFactor ?? 1.3) : 1;
    return {
      wall: lognormal(model.cv) * hit,
      cpu: lognormal(model.cpuCv ?? model.cv / 3),
      tail: lognormal(model.tailCv ?? model.cv * 2),
    };
  };
}

export function sample(
  side: 'base' | 'head',
  pair: number,
  scenario: string,
  s: SyntheticSide,
  noise: { wall: number; cpu: number; tail: number },
): RunSample {
  const serviceUs = s.cost * noise.wall;
  const throughput = 1e6 / serviceUs;
  const requests = Math.round(throughput * DURATION);
  const p50 = serviceUs * CONNECTIONS;
  const cpuPerRequest = (s.cost * noise.cpu) / 1e6;
  return {
    side, pair, scenario,
    ok: !s.fail,
    ...(s.fail ? { failure: `${requests} non-2xx responses` } : {}),
    requests,
    durationSec: DURATION,
    throughput,
    latencyUs: { p50, p90: p50 * 1.4, p99: p50 * 2.2 * noise.tail, mean: p50 * 1.1 },
    errors: 0,
    timeouts: 0,
    non2xx: s.fail ? requests : 0,
    cpuSeconds: cpuPerRequest * requests,
    cpuPerRequest,
    peakRssBytes: 60 * 1024 * 1024 * (1 + 0.01 * (noise.cpu - 1)),
    loadGenCpu: s.loadGenBound ? 0.97 : 0.4,
    loadGenBound: !!s.loadGenBound,
  };
}

export interface SyntheticJob {
  pairs: number;
  /** Per scenario: the base and head of one pair (pair index given, for failures that come and go). */
  scenarios: Record<string, (pair: number) => { base: SyntheticSide; head: SyntheticSide }>;
  noise: NoiseModel;
  seed: number;
}

/** Every sample of a job: for each pair, both sides of every scenario, each with fresh noise. */
export function syntheticSamples(job: SyntheticJob): RunSample[] {
  const draw = noiseSource(job.seed, job.noise);
  const pairNoise = noiseSource(job.seed + 7919, { cv: job.noise.pairCv ?? 0, cpuCv: job.noise.pairCv ?? 0, tailCv: 0 });
  const samples: RunSample[] = [];
  for (let pair = 0; pair < job.pairs; pair++) {
    const shared = job.noise.pairCv ? pairNoise() : { wall: 1, cpu: 1, tail: 1 };
    const withShared = (n: { wall: number; cpu: number; tail: number }) => ({ wall: n.wall * shared.wall, cpu: n.cpu * shared.cpu, tail: n.tail });
    for (const [name, sides] of Object.entries(job.scenarios)) {
      const { base, head } = sides(pair);
      samples.push(sample('base', pair, name, base, withShared(draw())), sample('head', pair, name, head, withShared(draw())));
    }
  }
  return samples;
}

/** Same cost on both sides. */
export const same = (cost: number) => () => ({ base: { cost }, head: { cost } });
/** Head costs `factor` times base. */
export const slower = (cost: number, factor: number) => () => ({ base: { cost }, head: { cost: cost * factor } });
