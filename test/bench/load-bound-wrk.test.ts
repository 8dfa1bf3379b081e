// The load-generator-bound flag against wrk as the reference, on the CPUs a compare uses: a run that keeps
// up with wrk is never flagged, and a slow endpoint (the generator idles) never is either. wrk comes with
// the system parts of `npm test` (scripts/ensure-system-deps).
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseChildEnv, createLoadGenerator, killAllServers, startServer, type LoadGenerator } from '../../src/bench/index.ts';
import { scenarioSchema } from '../../src/config/schema.ts';
import { measureScenario } from '../../src/pipeline/measure-sample.ts';
import { makeAppDir, removeDir } from './fixtures.ts';

const pinned = availableParallelism() >= 2;
const LOAD = pinned ? '0' : undefined;
const SERVER = pinned ? `1-${availableParallelism() - 1}` : undefined;
let dir: string;
let load: LoadGenerator;

beforeAll(async () => {
  dir = makeAppDir();
  load = await createLoadGenerator({ cpus: LOAD });
});
afterAll(async () => {
  await load?.close();
  await killAllServers();
  removeDir(dir);
});

function wrkRate(url: string): number {
  const args = ['-t1', '-c10', '-d2s', url];
  const out = execFileSync(LOAD ? 'taskset' : 'wrk', LOAD ? ['-c', LOAD, 'wrk', ...args] : args, { encoding: 'utf8' });
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]);
}

describe('load-generator bound, checked against wrk', () => {
  it('a run on a hello world that keeps up with wrk is not flagged; the evidence is recorded', async () => {
    const server = await startServer({ command: 'node hello.mjs', cwd: dir, env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 15_000, cpus: SERVER });
    try {
      const scenario = scenarioSchema.parse({ name: 'hello', path: '/', duration: '2s', warmup: '500ms' });
      const reference = wrkRate(server.url + '/');
      const sample = await measureScenario({ url: server.url, serverPid: server.pid, serverCpus: SERVER, services: null, warmupRequests: 0 }, 'base', 0, scenario, load);
      expect(sample.ok).toBe(true);
      expect(sample.loadGenCpu).toBeGreaterThan(0);
      expect(sample.serverBusiestThread).toBeGreaterThan(0);
      if (sample.throughput >= 0.95 * reference) expect(sample.loadGenBound).toBe(false);
      // A flag is only ever raised when wrk got more out of the same server.
      if (sample.loadGenBound) expect(sample.throughput).toBeLessThan(reference);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('a slow endpoint is never flagged: the generator idles while the server works', async () => {
    const server = await startServer({ command: 'node slow.mjs', cwd: dir, env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 15_000, cpus: SERVER });
    try {
      const scenario = scenarioSchema.parse({ name: 'slow', path: '/', connections: 4, duration: '1s', warmup: '300ms' });
      const sample = await measureScenario({ url: server.url, serverPid: server.pid, serverCpus: SERVER, services: null, warmupRequests: 0 }, 'base', 0, scenario, load);
      expect(sample.loadGenBound).toBe(false);
      expect(sample.loadGenCpu).toBeLessThan(0.9);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('a run against a server that is gone is a failed run, not a bound one, and takes no scale-out', async () => {
    const server = await startServer({ command: 'node hello.mjs', cwd: dir, env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 15_000, cpus: SERVER });
    await server.stop();
    const scenario = scenarioSchema.parse({ name: 'gone', path: '/', connections: 100, duration: '1s', warmup: '0' });
    const workers = load.workers;
    const sample = await measureScenario({ url: server.url, serverPid: server.pid, serverCpus: SERVER, services: null, warmupRequests: 0 }, 'base', 0, scenario, load);
    expect(sample.ok).toBe(false);
    expect(sample.failure).toMatch(/connection errors|no response at all/);
    expect(sample.loadGenBound).toBe(false);
    // No scale-out for it (where there is a spare CPU, a bound run would take one and be measured again).
    expect(load.workers).toBe(workers);
  }, 60_000);
});
