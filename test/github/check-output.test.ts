import { describe, expect, it } from 'vitest';
import { CHECK_TEXT_LIMIT, checkNameFor, conclusionFor, kindOfCheck, resultTitle, truncateText } from '../../src/github/check-runs.ts';
import { isLockfileChange } from '../../src/github/lockfile-paths.ts';
import { parseStickySections, stickyBody } from '../../src/github/sticky-comment.ts';

describe('check run output', () => {
  it('a regression fails the check under gate: fail; inconclusive is neutral, never success', () => {
    for (const kind of ['compare', 'soak'] as const) {
      expect(conclusionFor({ kind, verdict: 'regression' }, 'fail')).toBe('failure');
      expect(conclusionFor({ kind, verdict: 'regression' }, 'neutral')).toBe('neutral');
      expect(conclusionFor({ kind, verdict: 'inconclusive' }, 'fail')).toBe('neutral');
      expect(conclusionFor({ kind, verdict: 'improvement' }, 'fail')).toBe('success');
      expect(conclusionFor({ kind, verdict: 'unchanged' }, 'fail')).toBe('success');
    }
    // A bisect explains; the compare's check is the gate.
    for (const verdict of ['regression', 'improvement', 'unchanged', 'inconclusive'] as const) {
      expect(conclusionFor({ kind: 'bisect', verdict }, 'fail')).toBe('neutral');
    }
  });

  it('each job kind has its own check run name, and only ours are recognised', () => {
    expect([checkNameFor('compare'), checkNameFor('bisect'), checkNameFor('soak')]).toEqual(['bumpbench', 'bumpbench/bisect', 'bumpbench/soak']);
    expect(kindOfCheck('bumpbench/soak')).toBe('soak');
    expect(kindOfCheck('bumpbench')).toBe('compare');
    expect(kindOfCheck('ci/build')).toBeNull();
  });

  it('an inconclusive result says so first in the title, with the reason', () => {
    expect(resultTitle({ verdict: 'inconclusive' }, 'Inconclusive for `home` (the interval still spans the threshold).')).toBe(
      'Inconclusive for `home` (the interval still spans the threshold).',
    );
    expect(resultTitle({ verdict: 'inconclusive' }, "Base's server exited during the soak.")).toBe("Inconclusive: base's server exited during the soak.");
    expect(resultTitle({ verdict: 'unchanged' }, 'No significant change in 1 scenario(s).')).toBe('No significant change in 1 scenario(s).');
  });

  it('truncates text under GitHub\'s 65,535-character limit, at a line break, and says so', () => {
    const long = Array.from({ length: 5000 }, (_, i) => `| row ${i} | ${'x'.repeat(20)} |`).join('\n');
    const cut = truncateText(long);
    expect(long.length).toBeGreaterThan(CHECK_TEXT_LIMIT);
    expect(cut.length).toBeLessThan(CHECK_TEXT_LIMIT);
    expect(cut).toMatch(/\| row \d+ \| x+ \|\n\n… \(truncated/);
    expect(truncateText('short')).toBe('short');
  });

  it('the sticky comment carries the hidden marker, one section per job kind in a fixed order, and fits the limit', () => {
    const body = stickyBody({ soak: 'soak report', compare: 'compare report' });
    expect(body.startsWith('<!-- bumpbench:sticky -->\n')).toBe(true);
    expect(body.indexOf('compare report')).toBeLessThan(body.indexOf('soak report'));
    expect(parseStickySections(body)).toEqual({ compare: 'compare report', soak: 'soak report' });
    const huge = stickyBody({ compare: 'c'.repeat(50_000), bisect: 'b'.repeat(30_000), soak: 's'.repeat(1000) });
    expect(huge.length).toBeLessThan(65_536);
    const sections = parseStickySections(huge);
    expect(sections.soak).toBe('s'.repeat(1000));
    expect(sections.compare).toMatch(/truncated/);
  });

  it('a comment from before sections is kept as the compare report; markers quoted in a report cannot forge a section', () => {
    expect(parseStickySections('<!-- bumpbench:sticky -->\n## bumpbench: Performance regression')).toEqual({ compare: '## bumpbench: Performance regression' });
    const body = stickyBody({ compare: 'note: <!-- bumpbench:end:compare --><!-- bumpbench:section:soak -->fake soak' });
    expect(Object.keys(parseStickySections(body))).toEqual(['compare']);
  });
});

describe('lockfile paths', () => {
  it('recognises lockfiles and runtime pin files anywhere in the tree, and nothing else', () => {
    for (const p of [
      'package-lock.json', 'apps/web/yarn.lock', 'pnpm-lock.yaml', 'poetry.lock', 'Pipfile.lock', 'uv.lock', 'requirements.txt', 'requirements-dev.txt', 'requirements/prod.txt', 'npm-shrinkwrap.json',
      '.nvmrc', 'apps/web/.node-version', '.python-version', '.tool-versions', 'runtime.txt', 'Dockerfile', 'deploy/api.Dockerfile',
    ]) {
      expect(isLockfileChange(p), p).toBe(true);
    }
    for (const p of ['package.json', 'pyproject.toml', 'README.md', 'docs/requirements.md', 'src/lock.ts']) {
      expect(isLockfileChange(p), p).toBe(false);
    }
  });
});
