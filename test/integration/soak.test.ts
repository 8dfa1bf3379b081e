// A real soak: base and head servers side by side under the same fixed rate, memory read from /proc.
// Head keeps 4 KiB per request (a cache that never evicts): the soak must call it a leak and base not.
// A head that crashes mid-soak is a regression with the server's last words, not a lost result.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/model.ts';
import { commitOnBranch, createRepo, git, tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/bumpbench.js');

const SERVER = `import http from 'node:http';
import { readFileSync } from 'node:fs';
const { keepBytes, exitAfter } = JSON.parse(readFileSync(new URL('./cache.json', import.meta.url), 'utf8'));
const cache = [];
let served = 0;
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  if (keepBytes) cache.push(Buffer.alloc(keepBytes, 1));
  if (exitAfter && ++served >= exitAfter) { console.error('cache full, giving up'); process.exit(3); }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ entries: cache.length }));
}).listen(Number(process.env.PORT), process.env.HOST);
`;

function soakRepo(duration: string, window = '3s'): string {
  return createRepo({
    'server.mjs': SERVER,
    'cache.json': '{"keepBytes": 0, "exitAfter": 0}\n',
    '.github/bumpbench.yml': [
      'start: node server.mjs',
      'ready: /health',
      'scenarios:',
      '  - name: lookup',
      '    path: /lookup',
      'soak:',
      `  duration: ${duration}`,
      '  rate: 200',
      '  connections: 4',
      '  sampleEvery: 500ms',
      '  warmup: 5s',
      `  window: ${window}`,
      '',
    ].join('\n'),
  });
}

function soak(repo: string, head: string, extra: string[] = []) {
  const dataDir = tempDir('bumpbench-soak-data-');
  const json = path.join(dataDir, 'result.json');
  const run = spawnSync(process.execPath, [BIN, 'soak', '--repo', repo, '--base', 'main', '--head', head, '--json', json, '--data-dir', dataDir, ...extra], {
    encoding: 'utf8', timeout: 180_000,
  });
  const result = run.status === 0 ? (JSON.parse(readFileSync(json, 'utf8')) as JobResult) : null;
  return { ...run, result, dataDir };
}

describe('bumpbench soak', () => {
  it('finds the leak head brings (4 KiB kept per request) and none on base', () => {
    const repo = soakRepo('40s');
    commitOnBranch(repo, 'cache-forever', { 'cache.json': '{"keepBytes": 4096, "exitAfter": 0}\n' }, 'cache every response');
    const { status, stdout, stderr, result, dataDir } = soak(repo, 'cache-forever');
    expect(status, stderr).toBe(0);
    expect(result!.kind).toBe('soak');
    expect(result!.verdict).toBe('regression');
    const { base, head } = result!.soak!;
    expect(head.leak).toBe(true);
    expect(base.leak).toBe(false);
    // 200 req/s × 4 KiB ≈ 2.8 GiB/h; allow a wide band, the rate is what autocannon managed.
    expect(head.slopeMiBPerHour!).toBeGreaterThan(1000);
    expect(head.growthMiB!).toBeGreaterThan(15);
    expect(head.requests).toBeGreaterThan(0.8 * 200 * 40);
    expect(base.requests).toBeGreaterThan(0.8 * 200 * 40);
    expect(head.failedRequests + base.failedRequests).toBe(0);
    expect(stdout).toMatch(/## bumpbench: Memory leak/);
    expect(stdout).toMatch(/Head's memory grows/);
    // The memory hook (sampling heap profiler from the end of the warm-up, a heap summary at the end) says
    // where: the request handler of server.mjs, and head's extra live objects are the Buffers it keeps.
    const memory = result!.hints!.filter((h) => h.kind === 'memory');
    expect(memory).toHaveLength(1);
    expect(memory[0]).toMatchObject({ package: null, site: expect.stringMatching(/^server\.mjs:\d+$/) });
    expect(memory[0].detail).toMatch(/`Buffer` \+\d{1,3}(,\d{3})+/);
    expect(memory[0].perRequest).toBeGreaterThan(0);
    expect(stdout).toMatch(/\*\*Why\*\*.*\n\n- \*\*Memory\*\*: Head retains/);
    expect(stderr).toMatch(/soak \dm\d\ds of 0m40s: base [\d.]+ MiB, head [\d.]+ MiB/);
    expect(serverPidsUnder(dataDir)).toEqual([]);
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
  }, 180_000);

  it('calls a head that crashes mid-soak a regression and shows its last output', () => {
    // 12 s holds the 5 s warm-up and 6 windows of 1 s.
    const repo = soakRepo('12s', '1s');
    commitOnBranch(repo, 'crashes', { 'cache.json': '{"keepBytes": 0, "exitAfter": 600}\n' }, 'give up after 600 requests');
    const { status, stderr, result } = soak(repo, 'crashes');
    expect(status, stderr).toBe(0);
    expect(result!.verdict).toBe('regression');
    expect(result!.soak!.head.crashed).toMatch(/cache full, giving up/);
    expect(result!.soak!.base.crashed).toBeUndefined();
  }, 120_000);

  it('refuses a soak too short for a verdict before installing anything, saying how long it must be', () => {
    const repo = soakRepo('40s');
    commitOnBranch(repo, 'same', { 'README.md': 'x' }, 'docs');
    const { status, stderr } = soak(repo, 'same', ['--duration', '10s']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/a soak of 10s cannot reach a verdict: after its warm-up \(5s\) the trend test needs 6 windows of 3s, so the soak must last at least 24s/);
    expect(stderr).not.toMatch(/installing/);
  }, 60_000);

  it('refuses a duration that is not one, before touching the repo', () => {
    const run = spawnSync(process.execPath, [BIN, 'soak', '--repo', '.', '--base', 'a', '--head', 'b', '--duration', 'forever'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--duration "forever" is not a duration: write e\.g\. 30m or 2h/);
  });
});
