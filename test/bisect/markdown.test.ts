// The culprit in the markdown report: the culprit line first, then the evidence table, then the links;
// a narrowed range reads as a range, never as a single release.
import { describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/model.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';

function result(culprit: JobResult['culprit']): JobResult {
  return {
    kind: 'bisect', verdict: 'regression', repo: 'r', base: { ref: 'main', sha: 'a'.repeat(40) }, head: { ref: 'bump', sha: 'b'.repeat(40) },
    changes: [{ ecosystem: 'pypi', name: 'cloudsig', from: '1.2.0', to: '1.9.0' }], scenarios: [], culprit, soak: null, notes: [],
    startedAt: '', finishedAt: '',
  };
}

const evidence: NonNullable<JobResult['culprit']>['evidence'] = [
  { versions: { cloudsig: '1.9.0' }, label: 'head (every change)', kind: 'confirm', verdict: 'like-head', ratio: 2.5, ci: [2.3, 2.7], position: 1, pairs: 5 },
  { versions: { cloudsig: '1.5.0' }, label: 'cloudsig 1.5.0', kind: 'release', verdict: 'like-base', ratio: 1.01, ci: [0.97, 1.05], position: 0.01, pairs: 5 },
  { versions: { cloudsig: '1.7.0' }, label: 'cloudsig 1.7.0', kind: 'release', verdict: 'install-failed', ratio: null, ci: null, position: null, pairs: 0, error: 'no wheel' },
  { versions: { cloudsig: '1.6.0' }, label: 're-check cloudsig 1.5.0 → 1.6.0', kind: 'recheck', verdict: 'like-head', ratio: 2.4, ci: [2.2, 2.6], position: 0.96, pairs: 8 },
];

describe('renderMarkdown with a culprit', () => {
  it('puts the culprit first, then the evidence, then the links', () => {
    const md = renderMarkdown(result({
      ecosystem: 'pypi', name: 'cloudsig', lastGood: '1.5.0', firstBad: '1.6.0', ratio: 2.4, evidence, metric: 'upload / latency_p50', steps: { used: 5, max: 12 },
      links: { compare: 'https://github.com/x/cloudsig/compare/v1.5.0...v1.6.0', changelog: 'https://github.com/x/cloudsig/blob/main/CHANGELOG.md' },
    }));
    expect(md).toMatch(/\*\*cloudsig 1\.6\.0 made `upload` latency p50 \+140% \(last good: 1\.5\.0\)\.\*\*/);
    const culprit = md.indexOf('**Culprit: cloudsig 1.6.0**');
    const table = md.indexOf('| cloudsig 1.5.0 | like base |');
    const links = md.indexOf('[compare 1.5.0…1.6.0](https://github.com/x/cloudsig/compare/v1.5.0...v1.6.0) · [changelog]');
    expect(culprit).toBeGreaterThan(0);
    expect(table).toBeGreaterThan(culprit);
    expect(links).toBeGreaterThan(table);
    expect(md).toContain('| cloudsig 1.7.0 | does not install (skipped) | — | — | 0 |');
    expect(md).toContain('re-check: ≈96% of the whole');
    expect(md).toContain('5 of 12 measured steps');
    // The chart puts every release measured in version order, from base's version (0%) to head's.
    const chart = md.slice(md.indexOf('```mermaid'));
    expect(md.indexOf('```mermaid')).toBeGreaterThan(table);
    expect(chart).toContain('x-axis ["1.2.0", "1.5.0", "1.9.0"]');
    expect(chart).toContain('line [0, 1, 150]');
  });

  it('reads a narrowed range as a range', () => {
    const md = renderMarkdown(result({ ecosystem: 'pypi', name: 'cloudsig', lastGood: '1.3.0', firstBad: '1.7.0', ratio: 2.5, narrowedOnly: true, evidence: evidence.slice(0, 2) }));
    expect(md).toContain('**Culprit narrowed to cloudsig between 1.3.0 and 1.7.0**');
    expect(md).not.toMatch(/ made /);
  });

  it('says when a skipped release may be where it started, and names an interaction partner', () => {
    const md = renderMarkdown(result({ ecosystem: 'npm', name: 'a', lastGood: '1.5.0', firstBad: '1.7.0', ratio: 2, skipped: ['1.6.0'], interactsWith: ['b'], evidence }));
    expect(md).toMatch(/a 1\.7\.0 made it \+100% together with b at head's version \(last good: 1\.5\.0; 1\.6\.0 could not be installed/);
    expect(md).toContain('It slows down only together with b');
    expect(md).toContain('**Culprit: a 1.7.0, or 1.6.0 before it** (+100%; last good 1.5.0; it does not install, so it could not be measured).');
  });

  it('does not single out the first bad release when every release before it failed to install', () => {
    const md = renderMarkdown(result({ ecosystem: 'npm', name: 'a', lastGood: '1.2.0', firstBad: '1.5.0', ratio: 2, skipped: ['1.3.0', '1.4.0'], evidence }));
    expect(md).toContain('**Culprit: a 1.5.0, or one of 1.3.0, 1.4.0 before it** (+100%; last good 1.2.0; they do not install, so they could not be measured).');
  });
});
