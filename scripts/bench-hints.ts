// `npm run bench:hints`: what the hints cost and say on the bundled examples, with bumpbench's DEFAULT
// settings (10–15 pairs, 3 s runs after a 1 s warm-up, 10 connections): only start, ready and the
// scenarios' paths come from the examples. For each example: the bump (the observe runs' share of the
// compare's wall time, and the hints), then an A/A compare of the base (which must name nothing).
// Prints figures; no asserts (timing goals live in benchmarks, not tests).
//   --examples node,python   which examples (default both)
//   --no-aa                  skip the A/A compares
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createNodeDemoRepo } from '../src/demo/node-demo-repo.ts';
import { publishExamplePackages, startLocalNpmRegistry } from '../src/demo/npm-registry.ts';
import { startPypiIndex } from '../src/demo/pypi-index.ts';
import { createPythonDemoRepo } from '../src/demo/python-demo-repo.ts';
import { buildExampleWheels } from '../src/demo/wheels.ts';
import type { JobResult } from '../src/model.ts';
import { runJob } from '../src/pipeline/run-job.ts';

const { values } = parseArgs({ options: { examples: { type: 'string', default: 'node,python' }, 'no-aa': { type: 'boolean', default: false } } });
const examples = values.examples.split(',');
const work = await mkdtemp(path.join(os.tmpdir(), 'bumpbench-bench-hints-'));

const DEFAULT_CONFIGS = {
  node: ['install: npm ci --ignore-scripts --no-audit --no-fund', 'start: node server.js', 'ready: /health', 'scenarios:',
    '  - { name: slug, path: "/slug?title=Cr%C3%A8me%20br%C3%BBl%C3%A9e%20%C3%A0%20Z%C3%BCrich" }', '  - { name: stats, path: /stats }'],
  python: ['start: python server.py', 'env: { PIP_CONFIG_FILE: pip.conf, PYTHONUNBUFFERED: "1" }', 'ready: /health', 'scenarios:',
    '  - { name: upload, path: /upload }', '  - { name: report, path: /report }'],
};

function describe(label: string, result: JobResult, seconds: number): void {
  const observe = result.observation?.seconds ?? 0;
  const pairs = Math.max(0, ...result.scenarios.map((s) => s.pairs));
  console.log(
    `${label}: verdict ${result.verdict}, ${pairs} pairs, ${seconds.toFixed(0)} s in all, observe runs ${observe.toFixed(1)} s ` +
      `= ${((100 * observe) / seconds).toFixed(1)}% of the compare (${((100 * observe) / Math.max(1, seconds - observe)).toFixed(1)}% added to it without them)`,
  );
  for (const h of result.hints ?? []) console.log(`  hint ${h.kind} ${h.package ?? '(app)'} ${h.share !== undefined ? `share ${h.share.toFixed(2)} ` : ''}confidence ${h.confidence.toFixed(4)}: ${h.detail}`);
  if ((result.hints ?? []).length === 0) console.log('  no hints');
  for (const row of result.observation?.cpu ?? []) {
    console.log(`  cpu ${row.scenario}: ${row.base.toFixed(0)} → ${row.head.toFixed(0)} µs/req; ${row.owners.map((o) => `${o.name} ${o.base.toFixed(0)}→${o.head.toFixed(0)}`).join(', ')}`);
  }
}

async function compare(repo: string, base: string, head: string, config: string, dataDir: string, allowHosts: string[]): Promise<{ result: JobResult; seconds: number }> {
  const started = performance.now();
  const result = await runJob({ kind: 'compare', repo, base: { ref: base }, head: { ref: head }, options: { configFile: config } }, { dataDir, allowHosts });
  return { result, seconds: (performance.now() - started) / 1000 };
}

try {
  for (const example of examples) {
    const config = path.join(work, `${example}.yml`);
    writeFileSync(config, DEFAULT_CONFIGS[example as keyof typeof DEFAULT_CONFIGS].join('\n') + '\n');
    let repo: { dir: string; baseRef: string; headRef: string };
    let allowHosts: string[];
    let stop: () => Promise<void>;
    if (example === 'node') {
      const registry = await startLocalNpmRegistry({ storageDir: path.join(work, 'registry') });
      await publishExamplePackages(registry.url);
      repo = await createNodeDemoRepo({ registryUrl: registry.url, dir: path.join(work, 'node') });
      allowHosts = [new URL(registry.url).host];
      stop = () => registry.stop();
    } else {
      await buildExampleWheels(path.join(work, 'wheels'));
      const index = await startPypiIndex(path.join(work, 'wheels'));
      repo = await createPythonDemoRepo({ indexUrl: index.url, dir: path.join(work, 'python') });
      allowHosts = [new URL(index.url).host];
      stop = () => index.stop();
    }
    try {
      const bump = await compare(repo.dir, repo.baseRef, repo.headRef, config, path.join(work, `data-${example}`), allowHosts);
      describe(`${example} bump`, bump.result, bump.seconds);
      if (!values['no-aa']) {
        const aa = await compare(repo.dir, repo.baseRef, repo.baseRef, config, path.join(work, `data-${example}`), allowHosts);
        describe(`${example} A/A`, aa.result, aa.seconds);
      }
    } finally {
      await stop();
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
