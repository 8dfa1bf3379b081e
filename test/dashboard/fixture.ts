// A real repository whose bumps the dashboard tests measure: the CPU app of the engine tests plus a
// package-lock.json, so every compare has real lockfile changes to filter by. Branches:
//   bump-express  express 4.18.0 → 4.19.0 and 30% more work per request   (a regression)
//   bump-lodash   lodash 4.17.20 → 4.17.21, same work                       (no change)
//   fix-express   from bump-express: express 4.19.0 → 4.19.1, work back    (an improvement against bump-express)
import { CPU_APP_SERVER } from '../helpers/cpu-app.ts';
import { commitOnBranch, createRepo, git } from '../helpers/git-repo.ts';

export const WORK = 1_500_000;

export function lockfile(versions: Record<string, string>): string {
  const packages: Record<string, unknown> = { '': { name: 'shop', version: '1.0.0', dependencies: Object.fromEntries(Object.keys(versions).map((n) => [n, '*'])) } };
  for (const [name, version] of Object.entries(versions)) {
    packages[`node_modules/${name}`] = { version, resolved: `https://registry.npmjs.org/${name}/-/${name}-${version}.tgz`, integrity: 'sha512-test' };
  }
  return JSON.stringify({ name: 'shop', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2) + '\n';
}

export function dashboardConfig(opts: { min?: number; max?: number; duration?: string } = {}): string {
  return `install: "true"
start: node server.js
ready: /health
repeats: { min: ${opts.min ?? 5}, max: ${opts.max ?? 6} }
# The dashboard is under test, not hints: no observe runs.
hints: false
scenarios:
  - name: work
    path: /work
    connections: 4
    duration: ${opts.duration ?? '800ms'}
    warmup: 200ms
`;
}

/** For \`bumpbench soak --config\`: a cheap endpoint that keeps 4 KiB per request where cache.json says so. */
export function soakConfig(duration = '14s'): string {
  return `install: "true"
start: node server.js
ready: /health
hints: false
scenarios:
  - name: lookup
    path: /lookup
soak:
  duration: ${duration}
  rate: 200
  connections: 2
  sampleEvery: 500ms
  warmup: 2s
  window: 2s
`;
}

const LEAKY_SERVER = CPU_APP_SERVER.replace(
  "if (req.url === '/health') return res.end('ok');",
  "if (req.url === '/health') return res.end('ok');\n  if (req.url === '/lookup') { if (keep) kept.push(Buffer.alloc(keep, 1)); return res.end(String(kept.length)); }",
).replace("const { work } = require('./work.json');", "const { work } = require('./work.json');\nconst keep = require('./cache.json').keepBytes;\nconst kept = [];");

export interface ShopRepo {
  dir: string;
  sha: Record<'main' | 'bump-express' | 'bump-lodash' | 'fix-express' | 'leaky-cache', string>;
}

export function createShopRepo(config = dashboardConfig()): ShopRepo {
  const dir = createRepo({
    'server.js': LEAKY_SERVER,
    'work.json': JSON.stringify({ work: WORK }),
    'cache.json': JSON.stringify({ keepBytes: 0 }),
    'package-lock.json': lockfile({ express: '4.18.0', lodash: '4.17.20' }),
    '.github/bumpbench.yml': config,
  });
  const main = git(dir, 'rev-parse', 'main');
  const bumpExpress = commitOnBranch(
    dir, 'bump-express',
    { 'package-lock.json': lockfile({ express: '4.19.0', lodash: '4.17.20' }), 'work.json': JSON.stringify({ work: Math.round(WORK * 1.3) }) },
    'Bump express from 4.18.0 to 4.19.0',
  );
  const bumpLodash = commitOnBranch(dir, 'bump-lodash', { 'package-lock.json': lockfile({ express: '4.18.0', lodash: '4.17.21' }) }, 'Bump lodash from 4.17.20 to 4.17.21');
  git(dir, 'checkout', '-q', 'bump-express');
  const fixExpress = commitOnBranch(
    dir, 'fix-express',
    { 'package-lock.json': lockfile({ express: '4.19.1', lodash: '4.17.20' }), 'work.json': JSON.stringify({ work: WORK }) },
    'Bump express from 4.19.0 to 4.19.1',
  );
  git(dir, 'checkout', '-q', 'main');
  const leaky = commitOnBranch(
    dir, 'leaky-cache',
    { 'package-lock.json': lockfile({ express: '4.18.0', lodash: '4.17.20', 'lru-lite': '2.0.0' }), 'cache.json': JSON.stringify({ keepBytes: 4096 }) },
    'Bump lru-lite to 2.0.0',
  );
  return { dir, sha: { main, 'bump-express': bumpExpress, 'bump-lodash': bumpLodash, 'fix-express': fixExpress, 'leaky-cache': leaky } };
}

/** The three bumps, measured for real by the engine into `<dataDir>/bumpbench.db`, oldest first. */
export async function measureHistory(repo: ShopRepo, dataDir: string) {
  const { runJob } = await import('../../src/pipeline/run-job.ts');
  const jobs: [string, string][] = [['main', 'bump-express'], ['main', 'bump-lodash'], ['bump-express', 'fix-express']];
  const results = [];
  for (const [base, head] of jobs) {
    results.push(await runJob({ kind: 'compare', repo: repo.dir, base: { ref: base }, head: { ref: head } }, { dataDir }));
  }
  return results;
}
