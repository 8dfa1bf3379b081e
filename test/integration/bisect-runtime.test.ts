// Bisect with the runtime as one of the changed parts: one PR moves the app from PyPy to CPython 3.11
// (.python-version) and bumps a package (fmtkit 1.0.0 → 1.1.0, the same code). Only the runtime makes the
// CPU-bound endpoint slower, and bisect names it: the runtime, from base's exact PyPy to head's CPython.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPypiIndex, type PypiIndex } from '../../src/demo/pypi-index.ts';
import { buildWheelFromFiles } from '../../src/demo/wheels.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { commitOnBranch, createRepo, tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';
import { PYTHON_CPU_SERVER } from '../helpers/python-cpu-app.ts';
import { useSharedRuntimeCache } from '../helpers/runtime-cache.ts';

useSharedRuntimeCache();
const work = tempDir('bumpbench-bisect-runtime-');
const dataDir = path.join(work, 'data');
let index: PypiIndex;
let repo: string;

const CONFIG = `start: python server.py
env: { PIP_CONFIG_FILE: pip.conf, PYTHONUNBUFFERED: "1" }
ready: /health
repeats: { min: 5, max: 8 }
gatedMetrics: [latency_p50, cpu_per_request]
bisect: { maxSteps: 6 }
hints: false
scenarios:
  - name: compute
    path: /compute
    connections: 2
    duration: 1s
    warmup: 600ms
    warmupMax: 8s
`;

beforeAll(async () => {
  for (const version of ['1.0.0', '1.1.0']) {
    await buildWheelFromFiles(
      { 'fmtkit/__init__.py': `__version__ = "${version}"\n\ndef label(n):\n    return "n=%d" % n\n` },
      { name: 'fmtkit', version, summary: 'formats labels (the same in both releases)' },
      path.join(work, 'wheels'),
    );
  }
  index = await startPypiIndex(path.join(work, 'wheels'));
  await mkdir(path.join(work, 'repo'));
  repo = createRepo({
    'server.py': `import fmtkit\n${PYTHON_CPU_SERVER}`,
    'requirements.txt': 'fmtkit==1.0.0\n',
    'pip.conf': `[global]\nindex-url = ${index.url}\n`,
    '.python-version': 'pypy3\n',
    '.github/bumpbench.yml': CONFIG,
  }, path.join(work, 'repo'));
  commitOnBranch(repo, 'cpython', { 'requirements.txt': 'fmtkit==1.1.0\n', '.python-version': '3.11\n' }, 'Run on CPython 3.11; bump fmtkit to 1.1.0');
}, 120_000);

afterAll(async () => {
  await index?.stop();
  if (repo) expect(serverPidsUnder(repo)).toEqual([]);
  expect(serverPidsUnder(dataDir)).toEqual([]);
  await rm(work, { recursive: true, force: true });
});

describe('bisect over a runtime change and a package change', () => {
  it('names the runtime when only the runtime is slower', async () => {
    const progress: string[] = [];
    const started = Date.now();
    const result = await runJob(
      { kind: 'bisect', repo, base: { ref: 'main' }, head: { ref: 'cpython' } },
      { dataDir, allowHosts: [new URL(index.url).host], onProgress: (e) => progress.push(e.message) },
    ).catch((err: unknown) => {
      console.log((err as { detail?: string }).detail);
      throw err;
    });
    console.log(JSON.stringify(result.culprit?.evidence.map((e) => [e.label, e.verdict, e.ratio, e.pairs, e.error])), result.notes);
    expect(result.changes).toEqual(expect.arrayContaining([
      expect.objectContaining({ ecosystem: 'pypi', name: 'fmtkit', from: '1.0.0', to: '1.1.0' }),
      // A runtime is what the app runs on: a direct, runtime part.
      { ecosystem: 'runtime', name: 'python', from: 'pypy3', to: '3.11', lockfile: '.python-version', scope: 'runtime', direct: true },
    ]));
    expect(result.verdict).toBe('regression');
    expect(result.culprit).toMatchObject({ ecosystem: 'runtime', name: 'python' });
    expect(result.culprit!.lastGood).toMatch(/^pypy3\.\d+-\d+\.\d+\.\d+$/);
    expect(result.culprit!.firstBad).toMatch(/^3\.11\.\d+$/);
    expect(result.culprit!.narrowedOnly).toBeFalsy();
    // The package was tried on its own (on PyPy) and looked like base.
    const fmtkit = result.culprit!.evidence.find((e) => e.kind === 'package' && e.label.startsWith('fmtkit'));
    expect(fmtkit?.verdict).toBe('like-base');
    const markdown = renderMarkdown(result);
    expect(markdown).toMatch(/\*\*The runtime change to CPython 3\.11\.\d+ made `compute` (cpu per request|latency p50) \+\d+%/);
    expect(markdown).toMatch(/\*\*Culprit: the runtime, PyPy [\d.]+ \(Python 3\.\d+\) → CPython 3\.11\.\d+\*\*/);
    console.log(`bisect: ${result.culprit!.steps!.used} measured steps, ${((Date.now() - started) / 1000).toFixed(0)} s; culprit ratio ×${result.culprit!.ratio.toFixed(2)}`);
  }, 1_200_000);
});
