// What `bumpbench calibrate` stores as a runner's noise: the noise a compare of that many pairs is judged
// against — within pairs once there are enough of them, so a machine's drift over the calibration does not
// become a floor that would undo what reading the pairs as pairs gains.
import { describe, expect, it } from 'vitest';
import { thresholdsSchema } from '../../src/config/schema.ts';
import { calibrationFromSamples } from '../../src/pipeline/calibrate.ts';
import { same, syntheticSamples } from '../bench/synthetic-samples.ts';

const thresholds = thresholdsSchema.parse(undefined);
const gated = ['throughput', 'latency_p50', 'latency_p99', 'cpu_per_request'] as const;

describe('calibrationFromSamples', () => {
  it('with 8 or more pairs: the noise within pairs (2%), not the drift across them (10%)', () => {
    const samples = syntheticSamples({ pairs: 12, seed: 11, noise: { cv: 0.02, cpuCv: 0.02, pairCv: 0.1 }, scenarios: { items: same(2000) } });
    const cpu = calibrationFromSamples(samples, 10, thresholds, [...gated]).find((r) => r.metric === 'cpu_per_request')!;
    expect(cpu.runs).toBe(24);
    expect(cpu.cv).toBeGreaterThan(0.01);
    expect(cpu.cv).toBeLessThan(0.035);
  });

  it('with fewer pairs: run to run, drift included', () => {
    const samples = syntheticSamples({ pairs: 6, seed: 11, noise: { cv: 0.02, cpuCv: 0.02, pairCv: 0.1 }, scenarios: { items: same(2000) } });
    const cpu = calibrationFromSamples(samples, 10, thresholds, [...gated]).find((r) => r.metric === 'cpu_per_request')!;
    expect(cpu.cv).toBeGreaterThan(0.05);
  });
});
