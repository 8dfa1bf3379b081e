// Observe runs explain a slower head; a compare in which no scenario may be worse has nothing to explain
// and must not pay for two more servers (the sides here cannot even start one: touching them throws).
import { describe, expect, it } from 'vitest';
import { thresholdsSchema } from '../../src/config/schema.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { analyseSamples } from '../../src/bench/analysis.ts';
import { observeSides } from '../../src/pipeline/observe-sides.ts';
import type { PreparedSide } from '../../src/pipeline/prepare-side.ts';
import type { LoadGenerator } from '../../src/bench/index.ts';
import { same, slower, syntheticSamples } from '../bench/synthetic-samples.ts';

const config = parseConfigText('start: node server.mjs\nscenarios:\n  - { name: items, path: /items }\n  - { name: search, path: /search }\n');
const untouchable = new Proxy({}, { get: (_, key) => { throw new Error(`observe touched ${String(key)}`); } });
const options = { thresholds: thresholdsSchema.parse(undefined), gatedMetrics: ['throughput', 'latency_p50', 'latency_p99', 'cpu_per_request'] as const };

describe('observe runs', () => {
  it('are skipped when every scenario is unchanged or faster', async () => {
    const samples = syntheticSamples({ pairs: 10, seed: 2, noise: { cv: 0.01, cpuCv: 0.01 }, scenarios: { items: same(2000), search: slower(1500, 0.8) } });
    const measured = analyseSamples(['items', 'search'], samples, { ...options, gatedMetrics: [...options.gatedMetrics] });
    expect(measured.map((s) => s.verdict)).toEqual(['unchanged', 'improvement']);
    const messages: string[] = [];
    const why = await observeSides({
      base: untouchable as PreparedSide, head: untouchable as PreparedSide, load: untouchable as LoadGenerator, config, measured, changes: [],
      workDir: '/nonexistent', profilesDir: '/nonexistent', onProgress: (e) => messages.push(e.message),
    });
    expect(why).toEqual({ hints: [] });
    expect(messages).toEqual(['no observe runs: no scenario may be worse on head, so there is nothing to explain']);
  });
});
