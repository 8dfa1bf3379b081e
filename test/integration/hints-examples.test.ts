// The hints on the bundled examples, with their own configs (the demo's short runs):
// - Python: cloudsig 1.2.0 → 1.9.0 asks the metadata service for the region before every signature; the
//   compare must say so, as a new call per request from cloudsig, on /upload only.
// - Node: textkit 1.2.0 → 1.9.0 makes slugify about 3× the CPU; the compare must put most of the added
//   CPU per request of /slug on textkit.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEXTKIT } from '../../src/demo/example-packages.ts';
import { createNodeDemoRepo } from '../../src/demo/node-demo-repo.ts';
import { publishExamplePackages, startLocalNpmRegistry, type LocalNpmRegistry } from '../../src/demo/npm-registry.ts';
import { startPypiIndex, type PypiIndex } from '../../src/demo/pypi-index.ts';
import { CLOUDSIG, createPythonDemoRepo } from '../../src/demo/python-demo-repo.ts';
import { buildExampleWheels } from '../../src/demo/wheels.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const work = tempDir('bumpbench-hints-examples-');
let index: PypiIndex | undefined;
let registry: LocalNpmRegistry | undefined;

afterAll(async () => {
  await index?.stop();
  await registry?.stop();
  expect(serverPidsUnder(work)).toEqual([]);
});

describe('hints on the example apps', () => {
  it('Python: cloudsig 1.9.0 makes one metadata call per /upload, none on base, and /report makes none', async () => {
    await buildExampleWheels(path.join(work, 'wheels'));
    index = await startPypiIndex(path.join(work, 'wheels'));
    const demo = await createPythonDemoRepo({ indexUrl: index.url, dir: path.join(work, 'python') });
    const result = await runJob(
      { kind: 'compare', repo: demo.dir, base: { ref: demo.baseRef }, head: { ref: demo.headRef } },
      { dataDir: path.join(work, 'data-python'), allowHosts: [new URL(index.url).host] },
    );
    const outbound = result.hints!.filter((h) => h.kind === 'outbound');
    const metadata = outbound.find((h) => h.package === CLOUDSIG)!;
    expect(metadata).toMatchObject({ scenario: 'upload', changed: true, ecosystem: 'pypi' });
    expect(metadata.detail).toContain('/latest/meta-data/placement/region');
    expect(metadata.base).toBeLessThan(0.05);
    expect(metadata.head).toBeGreaterThan(0.9);
    expect(metadata.head).toBeLessThan(1.1);
    expect(outbound.filter((h) => h.scenario === 'report')).toEqual([]);
    console.log(`python: ${result.hints!.map((h) => `${h.kind} ${h.package}: ${h.detail}`).join('\n')}\nobserve runs ${result.observation!.seconds.toFixed(1)} s`);
  }, 600_000);

  it('Node: textkit 1.9.0 carries at least 70% of the CPU per request /slug added', async () => {
    registry = await startLocalNpmRegistry({ storageDir: path.join(work, 'registry') });
    await publishExamplePackages(registry.url);
    const demo = await createNodeDemoRepo({ registryUrl: registry.url, dir: path.join(work, 'node') });
    const result = await runJob(
      { kind: 'compare', repo: demo.dir, base: { ref: demo.baseRef }, head: { ref: demo.headRef } },
      { dataDir: path.join(work, 'data-node'), allowHosts: [new URL(registry.url).host] },
    );
    const cpu = result.hints!.find((h) => h.kind === 'cpu' && h.package === TEXTKIT)!;
    expect(cpu).toMatchObject({ scenario: 'slug', changed: true, ecosystem: 'npm' });
    expect(cpu.share!).toBeGreaterThanOrEqual(0.7);
    expect(cpu.perRequest).toBeGreaterThan(0);
    // /stats does not use textkit: nothing to say about it.
    expect(result.hints!.filter((h) => h.scenario === 'stats')).toEqual([]);
    console.log(`node: ${result.hints!.map((h) => `${h.kind} ${h.package} share ${h.share?.toFixed(2)}: ${h.detail}`).join('\n')}\nobserve runs ${result.observation!.seconds.toFixed(1)} s`);
  }, 600_000);
});
