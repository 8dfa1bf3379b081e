// The example blog API (examples/blog-api: PostgreSQL, Redis, migrations, seed data, login, sessions)
// benchmarked end to end from a real Dependabot-style bump commit: services started per side in the
// sandbox, set up once, every sample from the same state, the regression planted in textkit 1.6.0 found,
// and nothing left behind. Real registry (verdaccio), real git, real npm, real PostgreSQL and Redis.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { blogApiExampleDir } from '../../src/demo/example-paths.ts';
import { TEXTKIT } from '../../src/demo/example-packages.ts';
import { createNodeDemoRepo, type NodeDemoRepo } from '../../src/demo/node-demo-repo.ts';
import { publishExamplePackages, startLocalNpmRegistry, type LocalNpmRegistry } from '../../src/demo/npm-registry.ts';
import type { JobResult } from '../../src/model.ts';
import { UserFacingError } from '../../src/pipeline/errors.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { tempDir } from '../helpers/git-repo.ts';

const work = tempDir('bumpbench-services-e2e-');
const dataDir = path.join(work, 'data');
let registry: LocalNpmRegistry;
let demo: NodeDemoRepo;

/** Live processes whose command line names `dir` (services and servers carry their paths there). */
function processesNaming(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z' && cmdline.includes(dir)) found.push(`${entry} ${cmdline.slice(0, 200)}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

function exampleConfig(change: (config: Record<string, any>) => void = () => {}) {
  const raw = parse(readFileSync(path.join(blogApiExampleDir(), '.github', 'bumpbench.yml'), 'utf8')) as Record<string, any>;
  // Services are under test here, not hints: no observe runs.
  raw.hints = false;
  change(raw);
  return validateConfig(raw);
}

beforeAll(async () => {
  registry = await startLocalNpmRegistry({ storageDir: path.join(work, 'registry') });
  await publishExamplePackages(registry.url);
  demo = await createNodeDemoRepo({ registryUrl: registry.url, dir: path.join(work, 'repo'), exampleDir: blogApiExampleDir() });
}, 300_000);

afterAll(async () => {
  await registry?.stop();
});

describe('an app that needs PostgreSQL and Redis', () => {
  let result: JobResult;
  const progress: string[] = [];

  it('is benchmarked from a real bump commit: services per side, the planted regression found', async () => {
    result = await runJob(
      { kind: 'compare', repo: demo.dir, base: { ref: demo.baseRef }, head: { ref: demo.headRef } },
      { dataDir, keepSamples: true, config: exampleConfig(), allowHosts: [new URL(registry.url).host], onProgress: (e) => progress.push(e.message) },
    );
    expect(result.changes).toEqual([expect.objectContaining({ name: TEXTKIT, from: '1.2.0', to: '1.9.0' })]);
    // Set up once per side, against that side's own services.
    for (const side of ['base', 'head']) {
      expect(progress).toContainEqual(expect.stringMatching(new RegExp(`^${side}: services db \\(postgres\\), cache \\(redis\\) up on ports \\d+, \\d+$`)));
      expect(progress).toContain(`${side}: setup: node scripts/seed.js`);
    }
    const article = result.scenarios.find((s) => s.name === 'article')!;
    expect(article.verdict).toBe('regression');
    expect(article.metrics.cpu_per_request!.ratio).toBeGreaterThan(1.3);
    expect(article.metrics.cpu_per_request!.ci[0]).toBeGreaterThan(1);
    expect(result.verdict).toBe('regression');
  }, 600_000);

  it('every sample, POSTs included, started from the seeded state (the server checks it, or refuses to start)', () => {
    const samples = result.samples!;
    expect(samples).toHaveLength(8 * 2 * 3);
    expect(samples.filter((s) => !s.ok)).toEqual([]);
    const publishes = samples.filter((s) => s.scenario === 'publish');
    // Each publish run wrote hundreds of rows and each login a session; the next sample's server would
    // have refused to start on them (EXPECT_ARTICLES, EXPECT_REDIS_KEYS) had the services not been reset.
    expect(Math.min(...publishes.map((s) => s.requests))).toBeGreaterThan(100);
  });

  it('measures the database and the cache apart from the server', () => {
    for (const s of result.samples!.filter((x) => x.scenario === 'article')) {
      expect(Object.keys(s.services ?? {}).sort()).toEqual(['cache', 'db']);
      expect(s.services!.db.cpuSeconds).toBeGreaterThan(0);
      expect(s.services!.db.peakRssBytes).toBeGreaterThan(1024 * 1024);
    }
    const article = result.scenarios.find((s) => s.name === 'article')!;
    expect(article.services?.map((u) => u.name)).toEqual(['db', 'cache']);
  });

  it('leaves no service process and no data dir behind', () => {
    expect(processesNaming(dataDir)).toEqual([]);
    const jobs = path.join(dataDir, 'work');
    expect(existsSync(jobs) ? readdirSync(jobs) : []).toEqual([]);
  });

  it('without the reset, a side\'s second sample starts on what the first wrote, and the server says so', async () => {
    const config = exampleConfig((c) => {
      c.services.db.reset = 'none';
      c.services.cache.reset = 'none';
      c.scenarios = c.scenarios.filter((s: { name: string }) => s.name === 'publish');
      c.repeats = { min: 2, max: 2 };
    });
    const failure = await runJob(
      { kind: 'compare', repo: demo.dir, base: { ref: demo.baseRef }, head: { ref: demo.headRef } },
      { dataDir, config, allowHosts: [new URL(registry.url).host] },
    ).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UserFacingError);
    expect((failure as Error).message).toMatch(/the server did not start/);
    expect((failure as UserFacingError).detail).toMatch(/expected 300 articles at start, found \d{3,}: the data is not in its seeded state/);
    expect(processesNaming(dataDir)).toEqual([]);
  }, 300_000);
});
