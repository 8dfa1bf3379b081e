// An inconclusive compare extended instead of started over: two pairs of a head that does 30% more work
// cannot settle it; `bumpbench compare --resume N --pairs 6` prepares both sides again, measures six new
// pairs only, and the eight together reach a verdict. Real git, servers, autocannon, SQLite, and the CLI.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import type { JobResult } from '../../src/model.ts';
import { runJob } from '../../src/pipeline/run-job.ts';
import { ResultsStore } from '../../src/store/results-store.ts';
import { commitOnBranch, createRepo, tempDir } from '../helpers/git-repo.ts';
import { CPU_APP_SERVER } from '../helpers/cpu-app.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/bumpbench.js');
const WORK = 1_500_000;
const config = `install: "true"
start: node server.js
ready: /health
repeats: { min: 2, max: 2 }
hints: false
scenarios:
  - name: work
    path: /work
    connections: 4
    duration: 1s
    warmup: 300ms
`;
const dataDir = tempDir('bumpbench-resume-');
const repo = createRepo({ 'server.js': CPU_APP_SERVER, 'work.json': JSON.stringify({ work: WORK }), '.github/bumpbench.yml': config });
commitOnBranch(repo, 'more-work', { 'work.json': JSON.stringify({ work: Math.round(WORK * 1.3) }) }, 'Do 30% more work');

describe('compare --resume', () => {
  let first: JobResult;
  let firstId: number;

  it('two pairs cannot tell', async () => {
    const progress: string[] = [];
    first = await runJob({ kind: 'compare', repo, base: { ref: 'main' }, head: { ref: 'more-work' } }, { dataDir, keepSamples: true, onProgress: (e) => progress.push(e.message) });
    expect(first.verdict).toBe('inconclusive');
    expect(first.scenarios[0].pairs).toBe(2);
    firstId = Number(/result stored as #(\d+)/.exec(progress.join('\n'))![1]);
  }, 180_000);

  it('extended by six pairs, the eight together reach a verdict, and the first two are not measured again', () => {
    const json = path.join(tempDir(), 'resumed.json');
    const r = spawnSync(process.execPath, [BIN, 'compare', '--resume', String(firstId), '--pairs', '6', '--data-dir', dataDir, '--json', json], { encoding: 'utf8', timeout: 300_000 });
    expect(r.stderr).toContain(`extending result #${firstId}: 2 stored pairs, 6 more for work`);
    expect(r.status).toBe(0);
    const resumed = JSON.parse(readFileSync(json, 'utf8')) as JobResult;
    expect(resumed.base.sha).toBe(first.base.sha);
    expect(resumed.head.sha).toBe(first.head.sha);
    expect(resumed.resumed).toEqual({ from: firstId, pairs: [{ result: firstId, count: 2 }, { result: null, count: 6 }] });
    expect(resumed.scenarios[0].pairs).toBe(8);
    expect(resumed.verdict).toBe('regression');
    expect(resumed.scenarios[0].metrics.cpu_per_request!.ratio).toBeGreaterThan(1.15);
    expect(r.stdout).toContain(`**Pairs:** 2 pairs from result #${firstId}, 6 measured in this job: an extension of result #${firstId}, analysed together.`);

    // The stored result holds all sixteen runs: the first four exactly as measured then, twelve new ones.
    const store = new ResultsStore(path.join(dataDir, 'bumpbench.db'));
    const latest = store.listResults(1)[0];
    const samples = store.getResult(latest.id)!.samples!;
    store.close();
    expect(samples).toHaveLength(16);
    const carried = samples.filter((s) => s.measuredIn === firstId);
    expect(carried.map(({ measuredIn: _m, ...s }) => s)).toEqual(first.samples);
    expect(samples.filter((s) => s.measuredIn === undefined).map((s) => s.pair).sort((a, b) => a - b)).toEqual([2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
  }, 300_000);

  it('refuses a stored result of other commits, and a config that measures otherwise', async () => {
    const otherCommits = await runJob(
      { kind: 'compare', repo, base: { ref: 'main' }, head: { ref: 'main' }, options: { resume: firstId } },
      { dataDir },
    ).catch((e: unknown) => e);
    expect((otherCommits as Error).message).toMatch(new RegExp(`^result #${firstId} compared [0-9a-f]{7} → [0-9a-f]{7}, not [0-9a-f]{7} → [0-9a-f]{7}$`));
    const otherConfig = await runJob(
      { kind: 'compare', repo, base: { ref: 'main' }, head: { ref: 'more-work' }, options: { resume: firstId } },
      { dataDir, config: parseConfigText(config.replace('duration: 1s', 'duration: 2s')) },
    ).catch((e: unknown) => e);
    expect((otherConfig as Error).message).toMatch(new RegExp(`^result #${firstId} was measured with another config .*: run a new compare$`));
  }, 60_000);
});
