import { describe, expect, it } from 'vitest';
import { CHECK_TEXT_LIMIT, conclusionFor, truncateText } from '../../src/github/check-runs.ts';
import { isLockfileChange } from '../../src/github/lockfile-paths.ts';
import { stickyBody } from '../../src/github/sticky-comment.ts';

describe('check run output', () => {
  it('fails the check only for a regression under gate: fail', () => {
    expect(conclusionFor({ verdict: 'regression' }, 'fail')).toBe('failure');
    expect(conclusionFor({ verdict: 'regression' }, 'neutral')).toBe('neutral');
    for (const verdict of ['improvement', 'unchanged', 'inconclusive'] as const) {
      expect(conclusionFor({ verdict }, 'fail')).toBe('success');
    }
  });

  it('truncates text under GitHub\'s 65,535-character limit, at a line break, and says so', () => {
    const long = Array.from({ length: 5000 }, (_, i) => `| row ${i} | ${'x'.repeat(20)} |`).join('\n');
    const cut = truncateText(long);
    expect(long.length).toBeGreaterThan(CHECK_TEXT_LIMIT);
    expect(cut.length).toBeLessThan(CHECK_TEXT_LIMIT);
    expect(cut).toMatch(/\| row \d+ \| x+ \|\n\n… \(truncated/);
    expect(truncateText('short')).toBe('short');
  });

  it('the sticky comment carries the hidden marker and fits GitHub\'s comment limit', () => {
    expect(stickyBody('hello')).toBe('<!-- bumpbench:sticky -->\nhello');
    expect(stickyBody('y'.repeat(70_000)).length).toBeLessThan(65_536);
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
