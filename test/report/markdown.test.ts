// The report a reviewer reads: results made by the real analysis from seeded synthetic runs, rendered.
import { describe, expect, it } from 'vitest';
import { analyseSamples, overallVerdict } from '../../src/bench/analysis.ts';
import { thresholdsSchema } from '../../src/config/schema.ts';
import type { Change, JobResult, RunSample } from '../../src/model.ts';
import { renderMarkdown, summaryLine } from '../../src/report/markdown.ts';
import { same, slower, syntheticSamples, type SyntheticJob } from '../bench/synthetic-samples.ts';

const options = {
  thresholds: thresholdsSchema.parse(undefined),
  gatedMetrics: ['throughput', 'latency_p50', 'latency_p99', 'cpu_per_request'] as const,
};

function jobResult(job: SyntheticJob, extra: Partial<JobResult> = {}): JobResult {
  const samples: RunSample[] = syntheticSamples(job);
  const scenarios = analyseSamples(Object.keys(job.scenarios), samples, { ...options, gatedMetrics: [...options.gatedMetrics] });
  return {
    kind: 'compare',
    verdict: overallVerdict(scenarios),
    repo: '/tmp/app',
    base: { ref: 'main', sha: 'a'.repeat(40) },
    head: { ref: 'deps/fastify-5', sha: 'b'.repeat(40) },
    changes: [{ ecosystem: 'npm', name: 'fastify', from: '4.28.1', to: '5.0.0' }],
    scenarios,
    culprit: null,
    soak: null,
    notes: [],
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:03:00Z',
    ...extra,
  };
}

/** The table row of one metric in one scenario's section. */
function row(text: string, scenario: string, label: string): string {
  const section = text.split('### ').find((s) => s.startsWith(`\`${scenario}\``))!;
  return section.split('\n').find((l) => l.startsWith(`| ${label}`))!;
}

describe('renderMarkdown', () => {
  it('a regression: the summary line names the scenario, metric, change and interval; the table has every metric', () => {
    const result = jobResult({ pairs: 10, seed: 21, noise: { cv: 0.03 }, scenarios: { items: slower(2000, 1.3), search: same(1500) } });
    expect(result.verdict).toBe('regression');
    const text = renderMarkdown(result);
    const cpu = result.scenarios[0].metrics.cpu_per_request!;

    expect(text.startsWith('## bumpbench: Performance regression')).toBe(true);
    const summary = summaryLine(result);
    expect(text).toContain(`**${summary}**`);
    expect(summary).toMatch(/^`items` regression: /);
    // The change and the interval a reviewer can check against the table.
    const change = `+${((cpu.ratio - 1) * 100).toFixed(0)}%`;
    expect(summary).toContain(`cpu per request ${change} (90% CI +`);
    expect(summary).not.toContain('`search` regression');

    expect(text).toContain('### `items`: 🔴 regression (10 pairs)');
    const cpuRow = row(text, 'items', 'CPU per request (µs)');
    expect(cpuRow).toContain(change);
    expect(cpuRow).toContain('(90%)');
    expect(cpuRow).toContain('🔴 regression');
    // Base and head medians in the row: about 2000 µs and 2600 µs.
    const [, , base, head] = cpuRow.split('|').map((c) => c.trim());
    expect(Number(base.replace(/,/g, ''))).toBeCloseTo(2000, -2);
    expect(Number(head.replace(/,/g, ''))).toBeCloseTo(2600, -2);
    for (const label of ['Throughput (req/s)', 'Latency p50 (ms)', 'Latency p90 (ms)', 'Latency p99 (ms)', 'Peak RSS (MiB)']) {
      expect(row(text, 'items', label)).toBeDefined();
    }
    // Ungated metrics say so; the changed package is listed.
    expect(row(text, 'items', 'Latency p90 (ms)')).toContain('(not gated)');
    expect(text).toContain('| fastify | 4.28.1 | 5.0.0 | ? | npm |');
  });

  it('"No significant change" when every scenario is unchanged', () => {
    const result = jobResult({ pairs: 20, seed: 4, noise: { cv: 0.02 }, scenarios: { items: same(2000), search: same(1500) } });
    expect(result.scenarios.map((s) => s.verdict)).toEqual(['unchanged', 'unchanged']);
    const text = renderMarkdown(result);
    expect(text.startsWith('## bumpbench: No significant change')).toBe(true);
    expect(text).toContain('**No significant change in 2 scenario(s).**');
    expect(text).not.toContain('🔴');
    expect(text).not.toContain('Performance regression');
    // Still states the question, the noise it was judged against, and what this runner could have seen.
    expect(text).toMatch(/The gate asks whether head is worse by: throughput 5\.0%/);
    expect(text).toMatch(/Judged against run-to-run noise \(robust CV\) of throughput \d+\.\d%/);
    expect(text).toContain('no calibration stored for this repository on this runner');
    expect(text).toMatch(/Smallest change called a regression 4 times in 5 here: throughput \d+\.\d%/);
  });

  it('metrics judged on the per-pair ratios say so: "paired" on the interval, the noise "within pairs"', () => {
    // A machine drifting 8% from pair to pair, 1.5% between the two runs of a pair.
    const result = jobResult({ pairs: 12, seed: 5, noise: { cv: 0.015, cpuCv: 0.015, pairCv: 0.08 }, scenarios: { items: same(2000) } });
    const cpu = result.scenarios[0].metrics.cpu_per_request!;
    expect(cpu.paired).toBe(12);
    const text = renderMarkdown(result);
    expect(row(text, 'items', 'CPU per request')).toMatch(/ \(90%, paired\) \|/);
    expect(text).toMatch(/cpu per request \d+\.\d% within pairs/);
    expect(text).toContain('an interval marked paired comes from the per-pair head/base ratios (Wilcoxon signed-rank)');
  });

  it('the changed packages say where a change sits and what kind it is, runtime and direct ones first', () => {
    const commit = (c: string) => c.repeat(40);
    const changes: Change[] = [
      { ecosystem: 'npm', name: 'fastify', from: '4.28.1', to: '5.0.0', locations: ['node_modules/fastify'], scope: 'runtime', direct: true },
      {
        ecosystem: 'npm', name: 'gitkit', from: '1.0.0', to: '1.0.0', locations: ['node_modules/gitkit'], scope: 'dev', direct: true,
        source: {
          from: { kind: 'git', spec: `git+ssh://git@github.com/acme/gitkit.git#${commit('a')}`, commit: commit('a') },
          to: { kind: 'git', spec: `git+ssh://git@github.com/acme/gitkit.git#${commit('b')}`, commit: commit('b') },
        },
      },
      { ecosystem: 'npm', name: 'semver', from: '6.3.0', to: '6.3.1', locations: ['node_modules/make-dir/node_modules/semver', 'node_modules/x/node_modules/semver'], scope: 'runtime', direct: false },
      { ecosystem: 'npm', name: 'semver', from: '7.3.8', to: '7.7.1', locations: ['node_modules/semver'], scope: 'runtime', direct: true },
      { ecosystem: 'npm', name: 'left-pad', from: '1.0.0', to: '1.3.0', locations: ['node_modules/left-pad'] },
    ];
    const result = jobResult({ pairs: 10, seed: 4, noise: { cv: 0.02 }, scenarios: { items: same(2000) } }, { changes });
    const table = renderMarkdown(result).split('\n').filter((line) => /^\| (Package|fastify|gitkit|semver|left-pad) /.test(line));
    expect(table).toEqual([
      '| Package | From | To | Kind | Ecosystem | Where |',
      '| fastify | 4.28.1 | 5.0.0 | runtime · direct | npm |  |',
      '| semver | 7.3.8 | 7.7.1 | runtime · direct | npm |  |',
      '| semver | 6.3.0 | 6.3.1 | runtime · transitive | npm | nested: node_modules/make-dir/node_modules/semver (+1 more) |',
      '| left-pad | 1.0.0 | 1.3.0 | ? | npm |  |',
      `| gitkit | 1.0.0 (git aaaaaaa) | 1.0.0 (git bbbbbbb) | dev · direct | npm | git git+ssh://git@github.com/acme/gitkit.git#${commit('b')} |`,
    ]);
  });

  it('inconclusive rows say how many pairs would settle them', () => {
    const result = jobResult({ pairs: 6, seed: 3, noise: { cv: 0.06, cpuCv: 0.06 }, scenarios: { items: slower(2000, 1.05) } });
    expect(result.verdict).toBe('inconclusive');
    const text = renderMarkdown(result);
    expect(text.startsWith('## bumpbench: Inconclusive')).toBe(true);
    expect(summaryLine(result)).toMatch(/^Cannot tell yet whether `items` is worse by the threshold/);
    const unsure = Object.entries(result.scenarios[0].metrics).filter(([, m]) => m.gated && m.verdict === 'inconclusive');
    expect(unsure.length).toBeGreaterThan(0);
    for (const [, m] of unsure) expect(text).toContain(`🟡 cannot tell: ~${m.pairsNeeded} pairs would settle it`);
    expect(unsure.every(([, m]) => m.pairsNeeded! > 6)).toBe(true);
  });

  it('a real change under the threshold is shown as "below threshold", and the check is not a regression', () => {
    const result = jobResult({ pairs: 40, seed: 8, noise: { cv: 0.01, cpuCv: 0.01 }, scenarios: { items: slower(2000, 1.03), search: same(1500) } });
    expect(result.verdict).toBe('below-threshold');
    const text = renderMarkdown(result);
    expect(text.startsWith('## bumpbench: No regression (a change below the threshold)')).toBe(true);
    expect(summaryLine(result)).toMatch(/^`items` below the threshold: .*cpu per request \+\d\.\d% \(90% CI/);
    expect(text).toContain('🔵 below threshold');
  });

  it('failing head runs and load-generator-bound runs are flagged', () => {
    const result = jobResult({
      pairs: 10, seed: 8, noise: { cv: 0.03 },
      scenarios: {
        items: (pair) => ({ base: { cost: 2000 }, head: { cost: 2000, fail: pair >= 2 } }),
        search: () => ({ base: { cost: 100, loadGenBound: true }, head: { cost: 100, loadGenBound: true } }),
      },
    });
    const text = renderMarkdown(result);
    expect(text).toContain('### `items`: 🔴 regression (2 pairs, 8 failed runs)');
    expect(summaryLine(result)).toContain('`items` regression: requests fail on head');
    expect(text).toContain('⚠️ 20 runs were load-generator bound');
  });

  it('stays under the length limit however much there is to say', () => {
    const names = Array.from({ length: 80 }, (_, i) => `endpoint-${i}`);
    const changes: Change[] = Array.from({ length: 400 }, (_, i) => ({ ecosystem: 'npm', name: `package-${i}`, from: '1.0.0', to: '2.0.0' }));
    const result = jobResult(
      { pairs: 10, seed: 2, noise: { cv: 0.03 }, scenarios: Object.fromEntries(names.map((n) => [n, same(1000)])) },
      { changes, notes: Array.from({ length: 50 }, (_, i) => `note ${i}: ${'x'.repeat(200)}`) },
    );
    const full = renderMarkdown(result, { maxChars: 10_000_000 });
    expect(full.length).toBeGreaterThan(65_535);
    const text = renderMarkdown(result);
    // GitHub refuses check-run text over 65,535 characters; the default leaves room for a wrapper.
    expect(text.length).toBeLessThanOrEqual(60_000);
    expect(text.startsWith('## bumpbench: ')).toBe(true);
    expect(text.endsWith('(truncated: the full report is in the result JSON)')).toBe(true);
    const small = renderMarkdown(result, { maxChars: 5_000 });
    expect(small.length).toBeLessThanOrEqual(5_000);
    expect(small).toContain(summaryLine(result).slice(0, 40));
  });

  it('draws the change of every gated metric as one bar chart, before the tables', () => {
    const result = jobResult({ pairs: 10, seed: 21, noise: { cv: 0.03 }, scenarios: { items: slower(2000, 1.3), search: same(1500) } });
    const text = renderMarkdown(result);
    const chart = text.slice(text.indexOf('```mermaid'), text.indexOf('```', text.indexOf('```mermaid') + 3));
    expect(text.indexOf('```mermaid')).toBeLessThan(text.indexOf('### `items`'));
    expect(chart).toContain('x-axis ["items req/s", "items p50", "items p99", "items CPU/req", "search req/s", "search p50", "search p99", "search CPU/req"]');
    const bars = chart.match(/bar \[(.*)\]/)![1].split(', ').map(Number);
    const cpu = result.scenarios[0].metrics.cpu_per_request!.ratio;
    expect(bars[3]).toBeCloseTo((cpu - 1) * 100, 0);
    expect(bars[0]).toBeLessThan(-10); // items is slower: fewer requests per second
    expect(Math.abs(bars[7])).toBeLessThan(5); // search untouched
  });
});
