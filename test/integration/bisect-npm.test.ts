// Bisect end to end on the Node example: a real local registry (verdaccio) with textkit 1.0.0…1.9.0
// (slugify ≈3× the CPU per call from 1.6.0), a Dependabot-style bump in a real git repo, real pins and
// npm installs, real servers under autocannon. Short runs and few rounds keep it within minutes.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costGoal } from '../../src/bisect/index.ts';
import { main } from '../../src/cli/main.ts';
import { TEXTKIT } from '../../src/demo/example-packages.ts';
import { createNodeDemoRepo, type NodeDemoRepo } from '../../src/demo/node-demo-repo.ts';
import { publishExamplePackages, startLocalNpmRegistry, type LocalNpmRegistry } from '../../src/demo/npm-registry.ts';
import type { JobResult } from '../../src/model.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { git, tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const work = tempDir('bumpbench-bisect-npm-');
const dataDir = path.join(work, 'data');
let registry: LocalNpmRegistry;
let single: NodeDemoRepo;
let grouped: NodeDemoRepo;

/** The example's slug scenario alone, with short runs: CPU per request separates 1× from 3× easily. */
function writeConfig(file: string, maxSteps: number, hints = false): string {
  writeFileSync(
    file,
    [
      'install: npm ci --ignore-scripts --no-audit --no-fund',
      'start: node server.js',
      'ready: { path: /health, timeout: 20s }',
      'scenarios:',
      '  - name: slug',
      '    path: /slug?title=Cr%C3%A8me%20br%C3%BBl%C3%A9e%20%C3%A0%20Z%C3%BCrich',
      '    connections: 4',
      '    duration: 1s',
      '    warmup: 500ms',
      // Four pairs a side reach p = 0.029 at best: one gated metric keeps Holm from lifting it past 0.05.
      'repeats: { min: 4, max: 4 }',
      'gatedMetrics: [cpu_per_request]',
      `bisect: { maxSteps: ${maxSteps} }`,
      // Observe runs only where their order of the packages is under test (the grouped bump).
      `hints: ${hints}`,
    ].join('\n') + '\n',
  );
  return file;
}

beforeAll(async () => {
  registry = await startLocalNpmRegistry({ storageDir: path.join(work, 'registry') });
  await publishExamplePackages(registry.url);
  single = await createNodeDemoRepo({ registryUrl: registry.url, dir: path.join(work, 'single') });
  grouped = await createNodeDemoRepo({ registryUrl: registry.url, dir: path.join(work, 'grouped'), grouped: true });
}, 180_000);

afterAll(async () => {
  await registry?.stop();
  for (const repo of [single, grouped]) if (repo) expect(serverPidsUnder(repo.dir)).toEqual([]);
  expect(serverPidsUnder(dataDir)).toEqual([]);
});

function stepsOf(result: JobResult): number {
  return result.culprit?.steps?.used ?? 0;
}

describe('bisect on the Node example', () => {
  it('bumpbench bisect names textkit 1.6.0 for a single bump, within the cost goal', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const json = path.join(work, 'single.json');
    const started = Date.now();
    const code = await main(
      ['bisect', '--repo', single.dir, '--base', single.baseRef, '--head', single.headRef, '--config', writeConfig(path.join(work, 'single.yml'), 12),
        '--json', json, '--data-dir', dataDir, '--allow-host', new URL(registry.url).host],
      { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
    );
    const seconds = (Date.now() - started) / 1000;
    expect(code, err.join('\n')).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as JobResult;
    expect(result.kind).toBe('bisect');
    expect(result.verdict).toBe('regression');
    expect(result.culprit).toMatchObject({ ecosystem: 'npm', name: TEXTKIT, lastGood: '1.5.0', firstBad: '1.6.0' });
    expect(result.culprit!.narrowedOnly).toBeFalsy();
    // slugify costs about 3× from 1.6.0: the culprit release alone carries most of the whole slowdown.
    expect(result.culprit!.ratio).toBeGreaterThan(1.5);
    // textkit 1.2.0 → 1.9.0 has 6 releases between (1.3.0 … 1.8.0; the beta and the deprecated 1.8.1 are left out).
    expect(stepsOf(result)).toBeLessThanOrEqual(costGoal(1, 6));
    expect(result.culprit!.evidence.some((e) => e.kind === 'recheck')).toBe(true);
    expect(result.culprit!.links?.compare).toMatch(/1\.5\.0.*1\.6\.0/);
    // Markdown on stdout: the culprit line first; progress with the range and step on stderr.
    expect(out.join('\n')).toMatch(new RegExp(`${TEXTKIT} 1\\.6\\.0 made \`slug\` [a-z0-9 ]+ [+−]\\d+%`));
    expect(err.join('\n')).toMatch(/step \d+\/12: .*between 1\.\d\.0 \(good\) and 1\.\d\.0 \(bad\)/);
    console.log(`single bump: ${stepsOf(result)} measured steps, ${seconds.toFixed(0)} s`);
  }, 400_000);

  it('finds textkit among the 9 packages of a grouped bump', async () => {
    const started = Date.now();
    const result = await runJob(
      { kind: 'bisect', repo: grouped.dir, base: { ref: grouped.baseRef }, head: { ref: grouped.headRef }, options: { configFile: writeConfig(path.join(work, 'grouped.yml'), 12, true) } },
      { dataDir, allowHosts: [new URL(registry.url).host] },
    );
    const seconds = (Date.now() - started) / 1000;
    expect(result.changes.length).toBeGreaterThanOrEqual(9);
    expect(result.culprit).toMatchObject({ name: TEXTKIT, lastGood: '1.5.0', firstBad: '1.6.0' });
    expect(result.culprit!.evidence.some((e) => e.kind === 'package')).toBe(true);
    // The observe runs' CPU hint points at textkit: it is the first package state measured, alone.
    expect(result.culprit!.hints?.[0]).toMatchObject({ kind: 'cpu', package: TEXTKIT, changed: true });
    expect(result.culprit!.evidence.find((e) => e.kind === 'package')!.versions).toEqual({ [TEXTKIT]: '1.9.0' });
    expect(result.notes.join(' ')).toMatch(/The hints point at @bumpbench-examples\/textkit, so it was measured first/);
    expect(stepsOf(result)).toBeLessThanOrEqual(costGoal(result.changes.length, 6));
    console.log(`grouped bump: ${stepsOf(result)} measured steps, ${seconds.toFixed(0)} s`);
  }, 600_000);

  it('leaves no worktree behind', () => {
    for (const repo of [single, grouped]) expect(git(repo.dir, 'worktree', 'list').split('\n')).toHaveLength(1);
    const dir = path.join(dataDir, 'work');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
