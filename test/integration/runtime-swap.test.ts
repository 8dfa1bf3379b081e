// The CPython-or-PyPy question on one commit, as a user asks it: `bumpbench compare --base-runtime python3.11
// --head-runtime pypy3`. Both sides run (each on its own venv), the warm-up of each side is reported (PyPy
// compiles for seconds before it reaches its speed), and the CPU-bound endpoint comes out an improvement
// on PyPy. A runtime that is not on the machine fails at once, naming it and the fix.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/model.ts';
import { createRepo, tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';
import { pythonCpuFiles } from '../helpers/python-cpu-app.ts';
import { useSharedRuntimeCache } from '../helpers/runtime-cache.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/bumpbench.js');
const runtimeCache = useSharedRuntimeCache();
const repo = createRepo(pythonCpuFiles());
const dataDir = tempDir('bumpbench-runtime-swap-');

function bumpbench(args: string[], timeout: number) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8', timeout, env: { ...process.env, BUMPBENCH_RUNTIME_CACHE: runtimeCache },
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

afterAll(() => {
  expect(serverPidsUnder(repo)).toEqual([]);
  expect(serverPidsUnder(dataDir)).toEqual([]);
});

describe('bumpbench compare --base-runtime python3.11 --head-runtime pypy3 on one commit', () => {
  it('runs both sides, reports each side\'s warm-up, and calls the CPU-bound endpoint an improvement on PyPy', () => {
    const json = path.join(dataDir, 'result.json');
    const r = bumpbench(
      ['compare', '--repo', repo, '--base', 'main', '--head', 'main', '--base-runtime', 'python3.11', '--head-runtime', 'pypy3', '--data-dir', dataDir, '--json', json],
      900_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as JobResult;
    expect(result.runtimes!.base).toEqual([
      expect.objectContaining({ kind: 'python', implementation: 'cpython', version: expect.stringMatching(/^3\.11\.\d+$/), requested: { spec: 'python3.11', from: '--base-runtime' } }),
    ]);
    expect(result.runtimes!.head).toEqual([
      expect.objectContaining({ kind: 'python', implementation: 'pypy', version: expect.stringMatching(/^pypy3\.\d+-/), requested: { spec: 'pypy3', from: '--head-runtime' } }),
    ]);
    expect(result.changes).toEqual([{ ecosystem: 'runtime', name: 'python', from: 'python3.11', to: 'pypy3', field: '--base-runtime/--head-runtime', scope: 'runtime', direct: true }]);

    const compute = result.scenarios.find((s) => s.name === 'compute')!;
    expect(compute.verdict).toBe('improvement');
    expect(compute.failedRuns).toBe(0);
    const cpu = compute.metrics.cpu_per_request!;
    expect(cpu.ratio).toBeLessThan(0.5);
    expect(cpu.ci[1]).toBeLessThan(1);
    // PyPy's JIT needs longer to reach its speed than CPython's interpreter.
    expect(compute.warmup!.head.medianSec).toBeGreaterThan(compute.warmup!.base.medianSec);

    expect(r.stdout).toMatch(/`compute` improvement: .*cpu per request −\d+%/);
    expect(r.stdout).toMatch(/\| Python \| CPython 3\.11\.\d+ \("python3\.11" from --base-runtime; \S+\) \| PyPy [\d.]+ \(Python 3\.\d+\.\d+\) \("pypy3" from --head-runtime; \S+\) \|/);
    expect(r.stdout).toMatch(/Warm-up before each measured run \(until its throughput stopped trending\): base [\d.]+ s median \(max [\d.]+ s\); head [\d.]+ s median/);
    expect(r.stdout).toContain('Server memory over a sample (RSS, MiB)');
    console.log(
      `compute: cpu/req ×${cpu.ratio.toFixed(3)} [${cpu.ci.map((x) => x.toFixed(3)).join(', ')}], p50 ×${compute.metrics.latency_p50!.ratio.toFixed(3)}, ` +
        `throughput ×${compute.metrics.throughput!.ratio.toFixed(2)}; warm-up base ${compute.warmup!.base.medianSec} s, head ${compute.warmup!.head.medianSec} s (max ${compute.warmup!.head.maxSec} s), ${compute.pairs} pairs`,
    );
  }, 900_000);

  it('fails at once when a runtime is not on the machine, naming it and how to install it', () => {
    const started = Date.now();
    const r = bumpbench(['compare', '--repo', repo, '--base', 'main', '--head', 'main', '--head-runtime', 'python3.4', '--data-dir', dataDir], 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/head: CPython 3\.4 \("python3\.4", from --head-runtime\) is not installed on this machine \(found .*\)\. Install it with `pyenv install 3\.4`/);
    expect(r.stderr).not.toMatch(/installing/);
    expect(Date.now() - started).toBeLessThan(30_000);

    const bad = bumpbench(['compare', '--repo', repo, '--base', 'main', '--head', 'main', '--base-runtime', 'ruby3'], 60_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--base-runtime "ruby3" is not a runtime: write e.g. python3.11, pypy3 or node22/);
  });
});
