// Synthetic memory soaks: RSS in bytes sampled every 10 s, with a slow wander, GC sawtooth, an optional
// warm-up rise and an optional leak. Seeded, so every run of a test sees the same series.
import type { MemorySample } from '../../src/stats/index.ts';
import { normalSource, seededRandom } from './random.ts';

const MiB = 1024 * 1024;

export function syntheticSoak(opts: { hours: number; baseMiB: number; leakMiBPerHour: number; seed: number; warmupRiseMiB?: number; warmupTauSec?: number }): MemorySample[] {
  const uniform = seededRandom(opts.seed);
  const normal = normalSource(uniform);
  const samples: MemorySample[] = [];
  let ar = 0;
  let heap = 0;
  for (let t = 0; t <= opts.hours * 3600; t += 10) {
    ar = 0.95 * ar + 0.3 * normal(); // slow wander of about 1 MiB
    heap += 0.05 + 0.02 * uniform(); // garbage piling up …
    if (heap > 8 || uniform() < 0.005) heap = 0; // … until a collection drops it
    const warmup = (opts.warmupRiseMiB ?? 0) * (1 - Math.exp(-t / (opts.warmupTauSec ?? 600)));
    const mib = opts.baseMiB + warmup + (opts.leakMiBPerHour * t) / 3600 + heap + ar;
    samples.push({ tSec: t, bytes: Math.round(mib * MiB) });
  }
  return samples;
}
