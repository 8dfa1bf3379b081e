// Hints in the report: the top ones right under the verdict, the rest counted; the observe runs'
// figures and profiles in a fold; the culprit's hints beside its evidence.
import { describe, expect, it } from 'vitest';
import type { Hint, JobResult } from '../../src/model.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';

const outbound: Hint = {
  kind: 'outbound', package: 'cloudsig', changed: true, ecosystem: 'pypi', scenario: 'upload', base: 0, head: 1, perRequest: 1, confidence: 0.99999,
  detail: 'head makes a new outbound call, `GET 127.0.0.1:*/latest/meta-data/placement/region`: 1.00 per request (none on base), from `cloudsig` at `cloudsig/region.py:13`, in `upload`.',
  site: 'cloudsig/region.py:13',
};
const cpu: Hint = { kind: 'cpu', package: 'cloudsig', scenario: 'upload', base: 10, head: 400, perRequest: 390, confidence: 0.995, share: 0.55, detail: '`cloudsig` adds 390 µs of CPU per request in `upload`.' };

function result(extra: Partial<JobResult>): JobResult {
  return {
    kind: 'compare', verdict: 'regression', repo: 'r', base: { ref: 'main', sha: 'a'.repeat(40) }, head: { ref: 'bump', sha: 'b'.repeat(40) },
    changes: [{ ecosystem: 'pypi', name: 'cloudsig', from: '1.2.0', to: '1.9.0' }], scenarios: [], culprit: null, soak: null, notes: [],
    startedAt: '', finishedAt: '', ...extra,
  };
}

describe('hints in the markdown report', () => {
  it('stand right under the verdict, top three, with the rest counted', () => {
    const md = renderMarkdown(result({ hints: [outbound, cpu, { ...cpu, package: 'a' }, { ...cpu, package: 'b' }] }));
    const lines = md.split('\n');
    const summary = lines.findIndex((l) => l.startsWith('**No significant change') || l.startsWith('**'));
    const why = lines.findIndex((l) => l.startsWith('**Why**'));
    expect(why).toBe(summary + 2);
    expect(lines[why + 2]).toBe(
      '- **Outbound calls**: Head makes a new outbound call, `GET 127.0.0.1:*/latest/meta-data/placement/region`: 1.00 per request (none on base), from `cloudsig` at `cloudsig/region.py:13`, in `upload`. <sub>(confidence > 99.9%)</sub>',
    );
    expect(lines[why + 3]).toMatch(/^- \*\*CPU\*\*: `cloudsig` adds 390 µs/);
    expect(md).toContain('- … 1 more in the result JSON (`hints`).');
  });

  it('no hints, no section', () => {
    expect(renderMarkdown(result({ hints: [] }))).not.toContain('**Why**');
    expect(renderMarkdown(result({}))).not.toContain('**Why**');
  });

  it('the observe runs fold: CPU per request by owner and where the profiles are', () => {
    const md = renderMarkdown(result({
      observation: {
        seconds: 12.6, notes: [],
        profiles: { base: { cpuprofile: '/d/profiles/x/base.cpuprofile', collapsed: '/d/profiles/x/base.collapsed.txt' }, head: { cpuprofile: '/d/profiles/x/head.cpuprofile', collapsed: '/d/profiles/x/head.collapsed.txt' } },
        cpu: [{ scenario: 'upload', base: 500, head: 900, owners: [{ name: 'cloudsig', base: 10, head: 400 }, { name: '(app)', base: 300, head: 310 }] }],
      },
    }));
    expect(md).toContain('<details><summary>Observe runs (13 s, unmeasured): CPU by package, profiles</summary>');
    expect(md).toContain('| `cloudsig` | 10.0 | 400 | +3900% |');
    expect(md).toContain('head: `/d/profiles/x/head.cpuprofile` (collapsed stacks: `/d/profiles/x/head.collapsed.txt`)');
  });

  it('the culprit section shows its hints beside the evidence', () => {
    const md = renderMarkdown(result({
      kind: 'bisect', hints: [outbound],
      culprit: {
        ecosystem: 'pypi', name: 'cloudsig', lastGood: '1.5.0', firstBad: '1.6.0', ratio: 2.4, metric: 'upload / latency_p50', hints: [outbound],
        evidence: [{ versions: { cloudsig: '1.9.0' }, label: 'cloudsig at head', kind: 'package', verdict: 'like-head', ratio: 2.5, ci: [2.3, 2.7], position: 1, pairs: 5 }],
      },
    }));
    const culprit = md.indexOf('**Culprit: cloudsig 1.6.0**');
    const hint = md.indexOf('What the observe runs saw of cloudsig before the search', culprit);
    const table = md.indexOf('| cloudsig at head |');
    expect(hint).toBeGreaterThan(culprit);
    expect(table).toBeGreaterThan(hint);
  });
});
