// Hints end to end: a compare of a real repo whose head bumps a package (in its lockfile) that makes one
// more HTTP call per request, to an upstream the app starts itself (inside the sandbox the app's loopback
// is the job's own network). The compare runs its measured pairs hook-free, then one observe run per
// side; the result names the new call and the package, saves both profiles, and an A/A compare of the
// same commit names nothing.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/model.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { commitOnBranch, createRepo, git, tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const SDK = (extra: boolean) => `'use strict';
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true });
function get(port, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
}
exports.save = async (port, id) => {
  ${extra ? "await get(port, '/latest/meta-data/placement/region');" : ''}
  await get(port, '/objects/' + id);
};
`;

const SERVER = `import http from 'node:http';
import { appendFileSync } from 'node:fs';
import sdk from 'acme-sdk';
// Which kind of server this is, for the test: measured ones must not load the hooks.
appendFileSync('starts.log', (process.env.NODE_OPTIONS ?? '').includes('node-observe') ? 'hooked\\n' : 'plain\\n');
const upstream = http.createServer((req, res) => res.end('ok'));
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const port = upstream.address().port;
let n = 0;
http.createServer(async (req, res) => {
  if (req.url === '/health') return res.end('ok');
  if (req.url === '/save') await sdk.save(port, n++);
  res.end('done');
}).listen(Number(process.env.PORT), process.env.HOST);
`;

const lock = (version: string) =>
  JSON.stringify({
    name: 'hinted-app', version: '1.0.0', lockfileVersion: 3, requires: true,
    packages: {
      '': { name: 'hinted-app', version: '1.0.0', dependencies: { 'acme-sdk': version } },
      'node_modules/acme-sdk': { version, resolved: `https://registry.npmjs.org/acme-sdk/-/acme-sdk-${version}.tgz` },
    },
  }, null, 2) + '\n';

const sdkPackage = (version: string) => JSON.stringify({ name: 'acme-sdk', version, main: 'index.js' });

const repo = createRepo({
  'package.json': JSON.stringify({ name: 'hinted-app', version: '1.0.0', private: true, dependencies: { 'acme-sdk': '1.0.0' } }),
  'package-lock.json': lock('1.0.0'),
  'node_modules/acme-sdk/package.json': sdkPackage('1.0.0'),
  'node_modules/acme-sdk/index.js': SDK(false),
  'server.mjs': SERVER,
  '.github/bumpbench.yml': [
    // The package ships in the repo; the install has nothing to fetch.
    'install: "true"',
    'start: node server.mjs',
    'ready: /health',
    'scenarios:',
    '  - { name: save, path: /save, connections: 2, duration: 1s, warmup: 300ms }',
    '  - { name: plain, path: /plain, connections: 2, duration: 1s, warmup: 300ms }',
    'repeats: { min: 3, max: 3 }',
    '',
  ].join('\n'),
});
commitOnBranch(repo, 'bump-acme-sdk', {
  'package.json': JSON.stringify({ name: 'hinted-app', version: '1.0.0', private: true, dependencies: { 'acme-sdk': '2.0.0' } }),
  'package-lock.json': lock('2.0.0'),
  'node_modules/acme-sdk/package.json': sdkPackage('2.0.0'),
  'node_modules/acme-sdk/index.js': SDK(true),
}, 'Bump acme-sdk from 1.0.0 to 2.0.0');

const dataDir = tempDir('bumpbench-hints-data-');

afterAll(() => {
  expect(serverPidsUnder(repo)).toEqual([]);
  expect(serverPidsUnder(dataDir)).toEqual([]);
});

/** Runs a compare; `starts` are the servers' start records of each side, read while its worktree exists. */
async function compare(head: string): Promise<{ result: JobResult; starts: Record<'base' | 'head', string[]> }> {
  const starts: Record<'base' | 'head', string[]> = { base: [], head: [] };
  const result = await runJob({ kind: 'compare', repo, base: { ref: 'main' }, head: { ref: head } }, {
    dataDir,
    onProgress: (e) => {
      if (!/^observe runs took/.test(e.message)) return;
      const work = path.join(dataDir, 'work');
      for (const job of readdirSync(work)) {
        for (const side of ['base', 'head'] as const) {
          const log = path.join(work, job, side, 'starts.log');
          if (existsSync(log)) starts[side] = readFileSync(log, 'utf8').trim().split('\n');
        }
      }
    },
  });
  return { result, starts };
}

describe('hints from a compare', () => {
  it('name the new call per request and the bumped package that makes it; measured servers never load the hooks', async () => {
    const { result, starts } = await compare('bump-acme-sdk');
    expect(result.changes).toEqual([expect.objectContaining({ ecosystem: 'npm', name: 'acme-sdk', from: '1.0.0', to: '2.0.0' })]);
    const outbound = result.hints!.filter((h) => h.kind === 'outbound');
    expect(outbound).toHaveLength(1);
    expect(outbound[0]).toMatchObject({ package: 'acme-sdk', changed: true, ecosystem: 'npm', scenario: 'save', base: 0 });
    expect(outbound[0].head).toBeGreaterThan(0.9);
    expect(outbound[0].head).toBeLessThan(1.1);
    expect(outbound[0].detail).toContain('`GET 127.0.0.1:*/latest/meta-data/placement/region`');
    expect(outbound[0].site).toMatch(/^acme-sdk\/index\.js:\d+$/);
    expect(result.hints!.some((h) => h.scenario === 'plain')).toBe(false);

    // Every measured server started plain; one server per side, the observe run's, loaded the hooks.
    for (const side of ['base', 'head'] as const) {
      expect(starts[side].filter((s) => s === 'hooked')).toHaveLength(1);
      expect(starts[side].filter((s) => s === 'plain').length).toBeGreaterThanOrEqual(3);
    }

    const observation = result.observation!;
    expect(observation.seconds).toBeGreaterThan(0);
    for (const side of ['base', 'head'] as const) {
      const files = observation.profiles[side]!;
      expect(JSON.parse(readFileSync(files.cpuprofile, 'utf8')).samples.length).toBeGreaterThan(0);
      expect(readFileSync(files.collapsed, 'utf8')).toMatch(/^save;.* \d+$/m);
    }
    const md = renderMarkdown(result);
    expect(md.indexOf('**Why**')).toBeLessThan(md.indexOf('`main` ('));
    expect(md).toMatch(/- \*\*Outbound calls\*\*: Head makes a new outbound call, `GET 127\.0\.0\.1:\*\/latest\/meta-data\/placement\/region`/);
  });

  it('A/A: the same commit on both sides gives no hint', async () => {
    const { result } = await compare('main');
    expect(result.hints).toEqual([]);
    expect(renderMarkdown(result)).not.toContain('**Why**');
  });

  it('leaves no worktree behind', () => {
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
    const work = path.join(dataDir, 'work');
    expect(existsSync(work) ? readdirSync(work) : []).toEqual([]);
  });
});
