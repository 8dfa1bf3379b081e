// The soak report: the title and summary say what the trends mean, the table gives both sides' figures,
// the chart has both series on one time axis, and a crash shows the server's last output.
import { describe, expect, it } from 'vitest';
import { analyseSoakSide, soakVerdict } from '../../src/bench/soak-analysis.ts';
import type { JobResult, SoakResult } from '../../src/model.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { syntheticSoak } from '../stats/synthetic-soak.ts';

function soakResult(leakHead: number, crashed?: string): JobResult {
  const shape = { warmupSec: 900, windowSec: 600 };
  const base = analyseSoakSide(syntheticSoak({ hours: 2, baseMiB: 80, leakMiBPerHour: 0, seed: 31 }), { requests: 720_000, failedRequests: 0 }, shape);
  const head = analyseSoakSide(syntheticSoak({ hours: 2, baseMiB: 80, leakMiBPerHour: leakHead, seed: 32 }), { requests: 719_990, failedRequests: 3, crashed }, shape);
  const soak: SoakResult = { base, head, durationSec: 7200, rate: 100, warmupSec: 900, windowSec: 600, scenarios: ['items', 'search'] };
  return {
    kind: 'soak', verdict: soakVerdict(base, head).verdict, repo: 'r', base: { ref: 'main', sha: 'a'.repeat(40) }, head: { ref: 'bump', sha: 'b'.repeat(40) },
    changes: [], scenarios: [], culprit: null, soak, notes: [], startedAt: '', finishedAt: '',
  };
}

describe('renderMarkdown of a soak', () => {
  it('reports a leak on head with both trends, the request counts and a chart', () => {
    const md = renderMarkdown(soakResult(30));
    expect(md).toMatch(/^## bumpbench: Memory leak/);
    expect(md).toMatch(/\*\*Head's memory grows \d+\.\d MiB\/h \(p = [\d.e-]+\); base's does not \(no significant trend/);
    expect(md).toContain('### Memory soak: 2h at 100 req/s per side (`items`, `search`)');
    expect(md).toMatch(/\| Leak \| no \| \*\*yes\*\* \|/);
    expect(md).toContain('| Requests (failed) | 720,000 (0) | 719,990 (3) |');
    const chart = md.slice(md.indexOf('```mermaid'), md.indexOf('```', md.indexOf('```mermaid') + 3));
    expect(chart).toContain('x-axis "minutes" [0, ');
    const lines = chart.split('\n').filter((l) => l.trim().startsWith('line ['));
    expect(lines).toHaveLength(2);
    const [baseLast, headLast] = lines.map((l) => Number(l.slice(l.lastIndexOf(',') + 1, l.lastIndexOf(']'))));
    expect(headLast - baseLast).toBeGreaterThan(40); // ~60 MiB grown on head over 2 hours
    expect(md).not.toContain('Mann-Whitney'); // the compare footnote is not a soak's
  });

  it('says no new growth when neither side leaks, and shows a crash with its output', () => {
    expect(renderMarkdown(soakResult(0))).toMatch(/^## bumpbench: No new memory growth\n\n\*\*Neither side's memory grows\.\*\*/);
    const crashed = renderMarkdown(soakResult(0, 'FATAL ERROR: Reached heap limit'));
    expect(crashed).toMatch(/^## bumpbench: Memory leak/);
    expect(crashed).toContain("| Leak | no | **server exited** |");
    expect(crashed).toMatch(/head's server exited during the soak\. Its last output:\n\n```\nFATAL ERROR: Reached heap limit\n```/);
  });

  it('without publishLogs the crash is reported but its output is not', () => {
    const kept = renderMarkdown(soakResult(0, 'FATAL ERROR: Reached heap limit'), { publishLogs: false });
    expect(kept).toContain("| Leak | no | **server exited** |");
    expect(kept).toContain("head's server exited during the soak. Its output is in the job's log on the bumpbench server");
    expect(kept).not.toContain('FATAL ERROR');
  });
});
