// `npm run bench:example`: the foundation's promises on the bundled example, as figures.
//  - A/A: base against itself N times (default 5): how many runs call a regression (should be 0).
//  - A/B: head's /stats does 30% more work: /stats should be a regression, /slug not.
// Prints one line per compare and a summary; no asserts (timing goals live in benchmarks, not tests).
// --no-sandbox runs the example's commands without the sandbox, to compare the figures with and without it.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { publishExamplePackages, startLocalNpmRegistry } from '../src/demo/npm-registry.ts';
import { createNodeDemoRepo } from '../src/demo/node-demo-repo.ts';
import { runJob } from '../src/pipeline/run-job.ts';
import { formatChange } from '../src/report/markdown.ts';
import type { JobResult } from '../src/model.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'no-sandbox': { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const sandbox = values['no-sandbox'] ? ('off' as const) : ('preferred' as const);
const work = await mkdtemp(path.join(os.tmpdir(), 'bumpbench-bench-example-'));
const registry = await startLocalNpmRegistry({ storageDir: path.join(work, 'registry') });

function describe(result: JobResult): string {
  return result.scenarios
    .map((s) => {
      const cpu = s.metrics.cpu_per_request;
      const tp = s.metrics.throughput;
      // The interval's width shows the noise the verdict had to see through.
      const width = (m: typeof cpu) => (m ? `±${(((m.ci[1] - m.ci[0]) / 2) * 100).toFixed(1)}%` : '?');
      return `${s.name}=${s.verdict} (cpu/req ${cpu ? formatChange(cpu.ratio) : '?'} ${width(cpu)}, req/s ${tp ? formatChange(tp.ratio) : '?'} ${width(tp)}, ${s.pairs} pairs)`;
    })
    .join('  ');
}

try {
  await publishExamplePackages(registry.url);
  const demo = await createNodeDemoRepo({ registryUrl: registry.url, dir: path.join(work, 'repo') });
  const jobOptions = { sandbox, allowHosts: [new URL(registry.url).host] };
  console.log(`sandbox: ${sandbox === 'off' ? 'off' : 'on where bubblewrap works'}`);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: demo.dir, encoding: 'utf8' }).trim();
  // A head whose /stats endpoint walks 30% more titles per request; nothing else changes.
  git('checkout', '-q', '-b', 'stats-30pct', demo.baseRef);
  const serverFile = path.join(demo.dir, 'server.js');
  const source = await readFile(serverFile, 'utf8');
  const slower = source.replace(
    '  for (const title of catalog) {\n    for (const raw of title.split',
    '  const titles = catalog.concat(catalog.slice(0, Math.round(catalog.length * 0.3)));\n  for (const title of titles) {\n    for (const raw of title.split',
  );
  if (slower === source) throw new Error('could not find the /stats loop in examples/node-api/server.js');
  await writeFile(serverFile, slower);
  git('commit', '-q', '-am', 'stats: walk 30% more titles');
  git('checkout', '-q', demo.baseRef);

  let falseAlarms = 0;
  for (let i = 1; i <= runs; i++) {
    const started = Date.now();
    const result = await runJob({ kind: 'compare', repo: demo.dir, base: { ref: demo.baseRef }, head: { ref: demo.baseRef } }, { dataDir: path.join(work, `data-aa-${i}`), ...jobOptions });
    if (result.verdict === 'regression') falseAlarms++;
    console.log(`A/A ${i}/${runs}: verdict=${result.verdict}  ${describe(result)}  ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const started = Date.now();
  const ab = await runJob({ kind: 'compare', repo: demo.dir, base: { ref: demo.baseRef }, head: { ref: 'stats-30pct' } }, { dataDir: path.join(work, 'data-ab'), ...jobOptions });
  console.log(`A/B +30% /stats: verdict=${ab.verdict}  ${describe(ab)}  ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const stats = ab.scenarios.find((s) => s.name === 'stats');
  const slug = ab.scenarios.find((s) => s.name === 'slug');
  console.log(`\nSummary: A/A regressions ${falseAlarms} of ${runs}; +30% /stats ${stats?.verdict === 'regression' ? 'detected' : 'NOT detected'}; /slug ${slug?.verdict === 'regression' ? 'FALSELY flagged' : `not flagged (${slug?.verdict})`}`);
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
