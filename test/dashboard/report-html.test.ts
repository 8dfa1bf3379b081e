// The PR comment as HTML on the job page, and which repository a result belongs to.
import { describe, expect, it } from 'vitest';
import { parseXyChart, reportToHtml } from '../../src/dashboard/report-html.ts';
import { pullRequestUrl, repoIdentity } from '../../src/dashboard/repo-key.ts';
import type { JobResult } from '../../src/model.ts';
import { compareChart, soakChart } from '../../src/report/charts.ts';
import { dashboardJobUrl, renderMarkdown } from '../../src/report/markdown.ts';

describe('reportToHtml', () => {
  it('escapes everything a package name, a ref, a note or server output could smuggle in', () => {
    const md = [
      '## bumpbench: <img src=x onerror=alert(1)>',
      '**`<script>` regression** in [evil](javascript:alert(1)) and [fine](https://example.com/a?b=1&c=2)',
      '| Package | From |',
      '|---|---:|',
      '| <b>x</b> | 1 |',
      '```',
      '</pre><script>alert(2)</script>',
      '```',
      '<details><summary><i>3</i> changed</summary>',
      '</details>',
    ].join('\n');
    const { html } = reportToHtml(md);
    expect(html).not.toMatch(/<(img|script|b|i)[\s>]/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<strong><code>&lt;script&gt;</code> regression</strong>');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('<a href="https://example.com/a?b=1&amp;c=2">fine</a>');
    expect(html).toContain('<td class="num">1</td>');
    expect(html).toContain('<details><summary>&lt;i&gt;3&lt;/i&gt; changed</summary>');
  });

  it("turns the report's mermaid charts into chart specs with the same numbers, and verdict emoji into badges", () => {
    const scenarios = [
      { name: 'items', verdict: 'regression', pairs: 10, failedRuns: 0, loadGenBoundRuns: 0, metrics: {
        throughput: { base: 100, head: 80, ratio: 0.8, ci: [0.75, 0.85], confidence: 0.99, p: 0.001, verdict: 'regression', threshold: 0.05, gated: true },
        latency_p50: { base: 10, head: 12.5, ratio: 1.25, ci: [1.2, 1.3], confidence: 0.99, p: 0.001, verdict: 'regression', threshold: 0.05, gated: true },
      } },
    ] as JobResult['scenarios'];
    const md = `### \`items\`: 🔴 regression (10 pairs)\n\n${compareChart(scenarios)}`;
    const { html, charts } = reportToHtml(md, { idPrefix: 'r' });
    expect(html).toContain('<span class="verdict verdict-regression">regression</span>');
    expect(charts).toHaveLength(1);
    expect(charts[0]).toMatchObject({ id: 'r-chart-1', type: 'bars', xLabels: ['items req/s', 'items p50'] });
    expect(charts[0].series[0].values).toEqual([-20, 25]);
    // The chart's data is in the page as a table too.
    expect(html).toContain('<th scope="row">items p50</th><td class="num">25</td>');
  });

  it('reads the soak chart as two lines, base and head', () => {
    const series = (m: number): [number, number][] => Array.from({ length: 10 }, (_, i) => [i * 60, 50 + m * i]);
    const side = (m: number) => ({ slopeMiBPerHour: 1, p: 0.5, leak: false, samples: 10, windows: 5, baselineMiB: 50, growthMiB: 1, reason: '', requests: 1, failedRequests: 0, series: series(m) });
    const block = soakChart({ base: side(0), head: side(2), durationSec: 600, rate: 10, warmupSec: 60, windowSec: 60, scenarios: ['a'] });
    const lines = block.split('\n').slice(2, -1);
    const spec = parseXyChart(lines, 'soak')!;
    expect(spec.series.map((s) => s.label)).toEqual(['base', 'head']);
    expect(spec.series[1].values.at(-1)).toBeGreaterThan(spec.series[0].values.at(-1)!);
  });
});

describe('repoIdentity', () => {
  it('keys GitHub repositories as owner/name and leaves the rest as given', () => {
    expect(repoIdentity('https://github.com/acme/api.git')).toEqual({ key: 'acme/api', github: { owner: 'acme', name: 'api', htmlUrl: 'https://github.com/acme/api' } });
    expect(repoIdentity('git@github.com:acme/api.git').key).toBe('acme/api');
    expect(repoIdentity('https://ghe.corp:8443/team/svc', 'ghe.corp:8443').github?.htmlUrl).toBe('https://ghe.corp:8443/team/svc');
    // Another host is not GitHub's to vouch for: its key is the URL, no GitHub identity.
    expect(repoIdentity('https://gitlab.com/acme/api.git')).toEqual({ key: 'https://gitlab.com/acme/api.git' });
    expect(repoIdentity('/home/me/app')).toEqual({ key: '/home/me/app' });
    expect(pullRequestUrl(repoIdentity('https://github.com/acme/api.git'), 12)).toBe('https://github.com/acme/api/pull/12');
  });
});

describe('the PR comment link', () => {
  it('is added next to the commits when a public URL is configured, and not otherwise', () => {
    const result = { kind: 'compare', verdict: 'unchanged', repo: 'x', base: { ref: 'main', sha: 'a'.repeat(40) }, head: { ref: 'b', sha: 'b'.repeat(40) }, changes: [], scenarios: [], culprit: null, soak: null, notes: [], startedAt: '', finishedAt: '' } as JobResult;
    const url = dashboardJobUrl('https://bench.example.com/', 'acme/api', result);
    expect(url).toBe(`https://bench.example.com/dashboard/find?repo=acme%2Fapi&kind=compare&base=${'a'.repeat(40)}&head=${'b'.repeat(40)}`);
    expect(renderMarkdown(result, { detailsUrl: url })).toContain(`· [charts, every run and the history on the dashboard](${url})`);
    expect(renderMarkdown(result)).not.toContain('dashboard');
  });
});
