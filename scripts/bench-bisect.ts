// `npm run bench:bisect -- [--runs 5] [--examples npm,python]`: how reliably and how cheaply bisect names
// the culprit on the bundled examples, as figures. Each run is a fresh `bisect` job (own data dir) on the
// example repo with its own .github/bumpbench.yml; it prints the culprit, the measured steps against the
// cost goal, and the wall time. No asserts: the tests check correctness, this counts how often.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { costGoal } from '../src/bisect/index.ts';
import { publishExamplePackages, startLocalNpmRegistry } from '../src/demo/npm-registry.ts';
import { createNodeDemoRepo } from '../src/demo/node-demo-repo.ts';
import { startPypiIndex } from '../src/demo/pypi-index.ts';
import { createPythonDemoRepo } from '../src/demo/python-demo-repo.ts';
import { buildExampleWheels } from '../src/demo/wheels.ts';
import { runJob } from '../src/pipeline/run-job.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, examples: { type: 'string', default: 'npm,python' } } });
const runs = Number(values.runs);
const work = await mkdtemp(path.join(os.tmpdir(), 'bumpbench-bench-bisect-'));
const expected = { lastGood: '1.5.0', firstBad: '1.6.0' };

async function bench(label: string, repo: { dir: string; baseRef: string; headRef: string }, pkg: string, releases: number): Promise<void> {
  let right = 0;
  for (let i = 1; i <= runs; i++) {
    const started = Date.now();
    const result = await runJob(
      { kind: 'bisect', repo: repo.dir, base: { ref: repo.baseRef }, head: { ref: repo.headRef } },
      { dataDir: path.join(work, `data-${label}-${i}`) },
    );
    const c = result.culprit;
    const ok = !!c && c.name === pkg && c.firstBad === expected.firstBad && c.lastGood === expected.lastGood && !c.narrowedOnly;
    if (ok) right++;
    const culprit = c ? `${c.name} ${c.lastGood} → ${c.firstBad}${c.narrowedOnly ? ' (range only)' : ''}` : `none (${result.verdict})`;
    const steps = c?.steps ? `${c.steps.used} steps (goal ≤ ${costGoal(result.changes.length, releases)})` : '';
    console.log(`${label} ${i}/${runs}: ${culprit}  ${steps}  ${((Date.now() - started) / 1000).toFixed(0)} s  ${ok ? 'right' : 'WRONG'}`);
  }
  console.log(`${label}: right culprit and first bad release in ${right} of ${runs} runs\n`);
}

try {
  const examples = values.examples.split(',');
  if (examples.includes('npm')) {
    const registry = await startLocalNpmRegistry({ storageDir: path.join(work, 'registry') });
    try {
      await publishExamplePackages(registry.url);
      const repo = await createNodeDemoRepo({ registryUrl: registry.url, dir: path.join(work, 'npm-repo') });
      // textkit 1.2.0 → 1.9.0: 6 releases strictly between.
      await bench('npm', repo, '@bumpbench-examples/textkit', 6);
    } finally {
      await registry.stop();
    }
  }
  if (examples.includes('python')) {
    await buildExampleWheels(path.join(work, 'wheels'));
    const index = await startPypiIndex(path.join(work, 'wheels'));
    try {
      const repo = await createPythonDemoRepo({ indexUrl: index.url, dir: path.join(work, 'python-repo') });
      // cloudsig 1.2.0 → 1.9.0: 7 releases between (1.3.0 … 1.8.1; the release candidate left out).
      await bench('python', repo, 'cloudsig', 7);
    } finally {
      await index.stop();
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
