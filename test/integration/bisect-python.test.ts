// Bisect end to end on the Python example: cloudsig 1.0.0…1.9.0 wheels built here and served by a local
// PEP 503 index, the python-api app installed with the default venv + pip, cloudsig pinned release by
// release into the base worktree. From 1.6.0 every signature makes one more HTTP round-trip.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costGoal } from '../../src/bisect/index.ts';
import { startPypiIndex, type PypiIndex } from '../../src/demo/pypi-index.ts';
import { CLOUDSIG, CLOUDSIG_REGRESSION, createPythonDemoRepo, type PythonDemoRepo } from '../../src/demo/python-demo-repo.ts';
import { buildExampleWheels } from '../../src/demo/wheels.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { git, tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const work = tempDir('bumpbench-bisect-python-');
const dataDir = path.join(work, 'data');
let index: PypiIndex;
let demo: PythonDemoRepo;

function writeConfig(file: string, maxSteps: number): string {
  writeFileSync(
    file,
    [
      'start: python server.py',
      'env: { PIP_CONFIG_FILE: pip.conf, PYTHONUNBUFFERED: "1" }',
      'ready: { path: /health, timeout: 30s }',
      'hints: false',
      'scenarios:',
      '  - name: upload',
      '    path: /upload',
      '    connections: 4',
      '    duration: 1s',
      '    warmup: 500ms',
      // Five pairs a side reach p = 0.008: two gated metrics stay under 0.05 after Holm, and the search
      // decides on whichever regressed more clearly (a Python server's CPU per request is noisier).
      'repeats: { min: 5, max: 5 }',
      'gatedMetrics: [cpu_per_request, latency_p50]',
      `bisect: { maxSteps: ${maxSteps} }`,
    ].join('\n') + '\n',
  );
  return file;
}

beforeAll(async () => {
  await buildExampleWheels(path.join(work, 'wheels'));
  index = await startPypiIndex(path.join(work, 'wheels'));
  demo = await createPythonDemoRepo({ indexUrl: index.url, dir: path.join(work, 'repo') });
}, 120_000);

afterAll(async () => {
  await index?.stop();
  if (demo) expect(serverPidsUnder(demo.dir)).toEqual([]);
  expect(serverPidsUnder(dataDir)).toEqual([]);
  await rm(work, { recursive: true, force: true });
});

describe('bisect on the Python example', () => {
  it('names cloudsig 1.6.0, within the cost goal', async () => {
    const progress: string[] = [];
    const started = Date.now();
    const result = await runJob(
      { kind: 'bisect', repo: demo.dir, base: { ref: demo.baseRef }, head: { ref: demo.headRef }, options: { configFile: writeConfig(path.join(work, 'bisect.yml'), 12) } },
      { dataDir, allowHosts: [new URL(index.url).host], onProgress: (e) => progress.push(e.message) },
    ).catch((err: unknown) => {
      // A server that did not start: its own last lines say why (the message only names it).
      console.log((err as { detail?: string }).detail);
      throw err;
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(JSON.stringify(result.culprit?.evidence.map((e) => [e.label, e.verdict, e.position, e.ci, e.pairs, e.error])), result.notes);
    expect(result.verdict).toBe('regression');
    expect(result.culprit).toMatchObject({ ecosystem: 'pypi', name: CLOUDSIG, ...CLOUDSIG_REGRESSION });
    expect(result.culprit!.narrowedOnly).toBeFalsy();
    const releases = result.culprit!.evidence.filter((e) => e.kind === 'release').map((e) => e.label);
    expect(releases.length).toBeGreaterThan(0);
    // 1.2.0 → 1.9.0: 1.3.0 … 1.8.x between (the release candidate left out).
    expect(result.culprit!.steps!.used).toBeLessThanOrEqual(costGoal(1, 7));
    expect(result.culprit!.links?.changelog).toMatch(/CHANGELOG/);
    expect(renderMarkdown(result)).toMatch(/cloudsig 1\.6\.0 made `\w+` [a-z0-9 ]+ [+−]\d+%/);
    expect(progress.some((m) => /between 1\.\d\.\d \(good\) and 1\.\d\.\d \(bad\)/.test(m))).toBe(true);
    console.log(`python: ${result.culprit!.steps!.used} measured steps, ${seconds.toFixed(0)} s`);
  }, 600_000);

  it('with a budget too small to finish, reports the range, not a wrong culprit', async () => {
    const result = await runJob(
      { kind: 'bisect', repo: demo.dir, base: { ref: demo.baseRef }, head: { ref: demo.headRef }, options: { configFile: writeConfig(path.join(work, 'small.yml'), 2) } },
      { dataDir, allowHosts: [new URL(index.url).host] },
    );
    const c = result.culprit!;
    expect(c.narrowedOnly).toBe(true);
    expect(c.steps).toEqual({ used: 2, max: 2 });
    const order = ['1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.7.0', '1.8.0', '1.8.1', '1.9.0'];
    expect(order.indexOf(c.lastGood)).toBeLessThan(order.indexOf('1.6.0'));
    expect(order.indexOf(c.firstBad)).toBeGreaterThanOrEqual(order.indexOf('1.6.0'));
    expect(renderMarkdown(result)).toMatch(new RegExp(`narrowed to ${CLOUDSIG} between ${c.lastGood.replace(/\./g, '\\.')} and ${c.firstBad.replace(/\./g, '\\.')}`));
  }, 400_000);

  it('leaves no worktree behind', () => {
    expect(git(demo.dir, 'worktree', 'list').split('\n')).toHaveLength(1);
    const dir = path.join(dataDir, 'work');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
