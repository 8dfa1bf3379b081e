// A runtime bump end to end: the head commit changes .nvmrc from 20 to 22. Each side runs on its own Node,
// fetched from the npm registry's binary package (once per test run, into the run's shared cache), inside
// the sandbox; the report and the result name both exact versions.
import { afterAll, describe, expect, it } from 'vitest';
import { runJob } from '../../src/pipeline/run-job.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { commitOnBranch, createRepo, tempDir } from '../helpers/git-repo.ts';
import { nodeJsonFiles } from '../helpers/node-json-app.ts';
import { serverPidsUnder } from '../helpers/processes.ts';
import { useSharedRuntimeCache } from '../helpers/runtime-cache.ts';

useSharedRuntimeCache();
const dataDir = tempDir('bumpbench-runtime-bump-');
const repo = createRepo({ ...nodeJsonFiles(), '.nvmrc': '20\n' });
commitOnBranch(repo, 'node-22', { '.nvmrc': '22\n' }, 'Bump node from 20 to 22 in .nvmrc');

afterAll(() => {
  expect(serverPidsUnder(repo)).toEqual([]);
  expect(serverPidsUnder(dataDir)).toEqual([]);
});

describe('a PR that bumps .nvmrc from 20 to 22', () => {
  it('runs base on Node 20 and head on Node 22, names both exact versions, and judges every scenario', async () => {
    const progress: string[] = [];
    const result = await runJob({ kind: 'compare', repo, base: { ref: 'main' }, head: { ref: 'node-22' } }, { dataDir, onProgress: (e) => progress.push(e.message) });

    expect(result.changes).toContainEqual({ ecosystem: 'runtime', name: 'node', from: '20', to: '22', lockfile: '.nvmrc', scope: 'runtime', direct: true });
    const [base] = result.runtimes!.base;
    const [head] = result.runtimes!.head;
    expect(base).toMatchObject({ kind: 'node', implementation: 'node', requested: { spec: '20', from: '.nvmrc' }, origin: expect.stringMatching(/^npm registry \(node-/) });
    expect(head).toMatchObject({ kind: 'node', requested: { spec: '22', from: '.nvmrc' } });
    expect(base.version).toMatch(/^20\.\d+\.\d+$/);
    expect(head.version).toMatch(/^22\.\d+\.\d+$/);
    expect(result.runtimes!.changed).toBe(true);

    // Every scenario measured on both sides and judged.
    for (const s of result.scenarios) {
      expect(['regression', 'improvement', 'below-threshold', 'unchanged', 'inconclusive'], s.name).toContain(s.verdict);
      expect(s.failedRuns, s.name).toBe(0);
      expect(s.metrics.cpu_per_request, s.name).toBeDefined();
      expect(s.warmup?.base.runs, s.name).toBeGreaterThan(0);
    }
    // The servers really ran on those Nodes: JSON.stringify got faster between them, the integer loop did not move much.
    const catalog = result.scenarios.find((s) => s.name === 'catalog')!;
    expect(catalog.metrics.cpu_per_request!.ratio).toBeLessThan(0.95);
    expect(catalog.verdict).not.toBe('regression');

    const markdown = renderMarkdown(result);
    expect(markdown).toContain(`Node.js ${base.version} ("20" from .nvmrc`);
    expect(markdown).toContain(`Node.js ${head.version} ("22" from .nvmrc`);
    expect(markdown).toMatch(/\| node \| 20 \| 22 \| runtime · direct \| runtime \| \.nvmrc \|/);
    // A runtime swap charts each side's memory over a server's life.
    expect(result.runtimes!.memory!.base.length).toBeGreaterThan(1);
    expect(markdown).toContain(`Server memory over a sample (RSS, MiB): base on Node.js ${base.version}, then head on Node.js ${head.version}`);
    console.log(result.scenarios.map((s) => `${s.name}: ${s.verdict}, cpu/req ×${s.metrics.cpu_per_request!.ratio.toFixed(3)} [${s.metrics.cpu_per_request!.ci.map((x) => x.toFixed(3)).join(', ')}], ${s.pairs} pairs`).join('; '));
  }, 600_000);
});
