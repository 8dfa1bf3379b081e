// The Python example end to end with bumpbench's own parts: the demo repo with its Dependabot-style
// bump, the local package index, the default venv + pip install (through the install cache), the
// server started as the engine starts it, and pinning cloudsig releases into the base worktree as a
// bisect does. /upload must be clearly slower from cloudsig 1.6.0 on; /report must not care.
import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../../src/bench/index.ts';
import { parseConfigText } from '../../src/config/load.ts';
import type { RepoConfig } from '../../src/config/schema.ts';
import { startPypiIndex, type PypiIndex } from '../../src/demo/pypi-index.ts';
import { CLOUDSIG_REGRESSION, createPythonDemoRepo, type PythonDemoRepo } from '../../src/demo/python-demo-repo.ts';
import { buildExampleWheels } from '../../src/demo/wheels.ts';
import { ecosystems } from '../../src/ecosystems/index.ts';
import { childEnvFor } from '../../src/pipeline/child-env.ts';
import { addWorktree, removeWorktree } from '../../src/workspace/git.ts';
import { runPlan } from '../../src/sandbox/sandbox.ts';
import { installWithCache, planInstall } from '../../src/workspace/install.ts';
import { tempDir } from '../ecosystems/helpers.ts';

const work = tempDir('bumpbench-python-demo-');
let index: PypiIndex;
let demo: PythonDemoRepo;
let config: RepoConfig;
const worktrees: string[] = [];
let servers: ServerHandle[] = [];

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

/** GET path; the body and the time it took in milliseconds (one keep-alive-free request). */
function timedGet(url: string): Promise<{ status: number; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median latency of `path` on each server, measured in alternating batches so drift hits all alike. */
async function medians(urls: string[], route: string, batches = 4, perBatch = 40): Promise<number[]> {
  const samples = urls.map(() => [] as number[]);
  for (const url of urls) for (let i = 0; i < 10; i += 1) await timedGet(`${url}${route}`); // warm-up
  for (let b = 0; b < batches; b += 1) {
    for (const [k, url] of urls.entries()) {
      for (let i = 0; i < perBatch; i += 1) {
        const r = await timedGet(`${url}${route}`);
        expect(r.status).toBe(200);
        samples[k].push(r.ms);
      }
    }
  }
  return samples.map(median);
}

/** A worktree of `sha`, optionally with cloudsig pinned, installed the way compare installs it. */
async function prepare(label: string, sha: string, pinTo?: string): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await addWorktree(demo.dir, sha, path.join(work, 'worktrees', label));
  worktrees.push(dir);
  let env = childEnvFor(dir, config);
  let extraKey = '';
  if (pinTo) {
    const pinned = await ecosystems.pypi.pin(dir, { cloudsig: pinTo }, { env, repoRoot: dir });
    extraKey = pinned.cacheKey;
    env = { ...env, ...pinned.env };
  }
  const run = (command: string) => runPlan({ file: '/bin/sh', args: ['-c', command], cwd: dir, env, release: async () => {}, spawned: () => {} }, 300_000);
  await installWithCache({ projectDir: dir, plan: planInstall(dir, config.install), cacheDir: path.join(work, 'cache'), run, extraKey });
  return { dir, env: childEnvFor(dir, config) };
}

async function start(side: { dir: string; env: Record<string, string> }, label: string): Promise<ServerHandle> {
  const server = await startServer({ command: config.start, cwd: side.dir, env: side.env, readyPath: config.ready.path, readyTimeoutMs: config.ready.timeoutMs, label });
  servers.push(server);
  return server;
}

async function cloudsigVersion(server: ServerHandle): Promise<string> {
  return (JSON.parse((await timedGet(`${server.url}/version`)).body) as { cloudsig: string }).cloudsig;
}

beforeAll(async () => {
  await buildExampleWheels(path.join(work, 'wheels'));
  index = await startPypiIndex(path.join(work, 'wheels'));
  demo = await createPythonDemoRepo({ indexUrl: index.url, dir: path.join(work, 'repo') });
  config = parseConfigText(await readFile(path.join(demo.dir, '.github', 'bumpbench.yml'), 'utf8'));
}, 60_000);

afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const dir of worktrees) await removeWorktree(dir).catch(() => undefined);
  await index?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('the Python demo repository', () => {
  it('has a base commit and a Dependabot-style bump of cloudsig that changes only requirements.txt', async () => {
    expect(git(demo.dir, 'rev-parse', demo.baseRef)).toBe(demo.baseSha);
    expect(git(demo.dir, 'rev-parse', demo.headRef)).toBe(demo.headSha);
    expect(git(demo.dir, 'rev-parse', `${demo.headSha}~1`)).toBe(demo.baseSha);
    expect(git(demo.dir, 'log', '-1', '--format=%s', demo.headSha)).toBe('Bump cloudsig from 1.2.0 to 1.9.0');
    expect(git(demo.dir, 'log', '-1', '--format=%an', demo.headSha)).toBe('dependabot[bot]');
    expect(git(demo.dir, 'diff', '--name-only', demo.baseSha, demo.headSha)).toBe('requirements.txt');
    expect(git(demo.dir, 'show', `${demo.baseSha}:requirements.txt`)).toMatch(/^cloudsig==1\.2\.0$/m);
    expect(git(demo.dir, 'show', `${demo.headSha}:requirements.txt`)).toMatch(/^cloudsig==1\.9\.0$/m);
    expect(git(demo.dir, 'show', `${demo.baseSha}:pip.conf`)).toContain(`index-url = ${index.url}`);
    expect(config.env.PIP_CONFIG_FILE).toBe('pip.conf');
    expect(config.install).toBeUndefined(); // the default venv + pip install
  });

  it(
    'installs base and head from the local index; /upload is much slower with cloudsig 1.9.0, /report is not',
    async () => {
      const base = await start(await prepare('base', demo.baseSha), 'base');
      const head = await start(await prepare('head', demo.headSha), 'head');
      expect(await cloudsigVersion(base)).toBe('1.2.0');
      expect(await cloudsigVersion(head)).toBe('1.9.0');

      const [uploadBase, uploadHead] = await medians([base.url, head.url], '/upload');
      // One extra round-trip to the metadata stub per signature: about 1.8x here; 1.3x leaves room for noise.
      expect(uploadHead / uploadBase).toBeGreaterThan(1.3);
      const [reportBase, reportHead] = await medians([base.url, head.url], '/report');
      expect(reportHead / reportBase).toBeGreaterThan(0.6);
      expect(reportHead / reportBase).toBeLessThan(1.6);
    },
    300_000,
  );

  it(
    `pinning into the base worktree as a bisect does: ${CLOUDSIG_REGRESSION.lastGood} is fast, ${CLOUDSIG_REGRESSION.firstBad} is the first slow release`,
    async () => {
      const good = await start(await prepare('pin-good', demo.baseSha, CLOUDSIG_REGRESSION.lastGood), 'last good');
      const bad = await start(await prepare('pin-bad', demo.baseSha, CLOUDSIG_REGRESSION.firstBad), 'first bad');
      expect(await cloudsigVersion(good)).toBe(CLOUDSIG_REGRESSION.lastGood);
      expect(await cloudsigVersion(bad)).toBe(CLOUDSIG_REGRESSION.firstBad);
      const [fast, slow] = await medians([good.url, bad.url], '/upload');
      expect(slow / fast).toBeGreaterThan(1.3);

      const between = await ecosystems.pypi.listReleasesBetween('cloudsig', '1.2.0', '1.9.0', { projectDir: demo.dir, env: childEnvFor(demo.dir, config) });
      expect(between.map((r) => r.version)).toContain(CLOUDSIG_REGRESSION.firstBad);
    },
    300_000,
  );
});
