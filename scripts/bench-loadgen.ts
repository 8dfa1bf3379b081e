// `npm run bench:loadgen`: is bumpbench's load generator a fair stand-in for wrk, and does its
// "load-generator bound" flag mean something? In one run, on the CPUs a compare would use (generator on
// CPU 0, server on the rest), it alternates wrk and bumpbench's generator (autocannon in its worker, with
// the same bound check and scale-out as a compare) against a Node hello world and a slower endpoint, and
// prints side by side: requests per second of each, their ratio, and how many of bumpbench's runs were
// flagged bound. Goals: ≥ 90% of wrk on the hello world, and no flagged run that kept up with wrk.
// Figures only, no asserts.
//
//   npm run bench:loadgen -- [--runs N] [--duration 3s] [--connections 10]
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { createLoadGenerator } from '../src/bench/load-generator.ts';
import { startServer, baseChildEnv } from '../src/bench/server.ts';
import { killAllServers } from '../src/bench/process-group.ts';
import { whilePinned } from '../src/bench/self-affinity.ts';
import { configSchema, scenarioSchema } from '../src/config/schema.ts';
import { parseDurationMs } from '../src/config/units.ts';
import { cpuPlan } from '../src/pipeline/compare.ts';
import { measureScenario } from '../src/pipeline/measure-sample.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, duration: { type: 'string', default: '3s' }, connections: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const durationMs = parseDurationMs(values.duration) ?? 3000;
const connections = Number(values.connections);

const SERVER = `import http from 'node:http';
// A slower endpoint: a page of 200 items rendered to JSON (about a millisecond of work per request).
const items = Array.from({ length: 200 }, (_, i) => ({ id: i, name: 'item ' + i, tags: ['a', 'b', 'c'], price: i * 1.25 }));
http.createServer((req, res) => {
  if (req.url === '/slow') {
    let body = '';
    for (let k = 0; k < 4; k++) body = JSON.stringify(items.map((x) => ({ ...x, k })));
    res.setHeader('content-type', 'application/json');
    res.end(body);
    return;
  }
  res.end('hello world');
}).listen(Number(process.env.PORT), process.env.HOST);
`;

function wrk(url: string, cpus: string | undefined, ms: number): number {
  const args = ['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(ms / 1000))}s`, url];
  const out = execFileSync(cpus ? 'taskset' : 'wrk', cpus ? ['-c', cpus, 'wrk', ...args] : args, { encoding: 'utf8' });
  const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!match) throw new Error(`could not read wrk's output:\n${out}`);
  return Number(match[1]);
}

const work = await mkdtemp(path.join(os.tmpdir(), 'bumpbench-bench-loadgen-'));
await writeFile(path.join(work, 'server.mjs'), SERVER);
const config = configSchema.parse({ start: 'node server.mjs', scenarios: [{ name: 'x', path: '/' }] });
const cpus = cpuPlan(config);
const load = await createLoadGenerator({ cpus: cpus.load, spareCpus: cpus.spareLoad });
try {
  console.log(`${os.availableParallelism()} CPUs; generator on ${cpus.load ?? 'any'} (spare: ${cpus.spareLoad?.join(',') || 'none'}), server on ${cpus.server ?? 'any'}; ${connections} connections, ${durationMs / 1000} s runs, ${runs} runs each, alternating`);
  console.log('');
  console.log('| Endpoint | wrk req/s (median) | bumpbench req/s (median) | bumpbench / wrk | Flagged bound | Flagged runs that kept up with wrk (≥ 95%) | autocannon main thread | server busiest thread | workers |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const endpoint of ['/', '/slow']) {
    const server = await startServer({ command: 'node server.mjs', cwd: work, env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 10_000, cpus: cpus.server, label: 'loadgen bench server' });
    try {
      const url = `${server.url}${endpoint}`;
      // The schema reads a bare number as seconds.
      const scenario = scenarioSchema.parse({ name: endpoint === '/' ? 'hello' : 'slow', path: endpoint, connections, duration: `${durationMs}ms`, warmup: '1s' });
      wrk(url, cpus.load, 1000); // warm the server up once for wrk's first run
      const wrkRps: number[] = [];
      const ours: { rps: number; bound: boolean; cpu: number; server: number; workers: number }[] = [];
      for (let i = 0; i < runs; i++) {
        const order = i % 2 === 0 ? ['wrk', 'ours'] : ['ours', 'wrk'];
        for (const who of order) {
          if (who === 'wrk') wrkRps.push(wrk(url, cpus.load, durationMs));
          else {
            const s = await whilePinned(cpus.load, () => measureScenario({ url: server.url, serverPid: server.pid, serverCpus: cpus.server, services: null, warmupRequests: 0 }, 'base', i, scenario, load));
            ours.push({ rps: s.throughput, bound: s.loadGenBound, cpu: s.loadGenCpu, server: s.serverBusiestThread ?? 0, workers: s.loadGenWorkers ?? 1 });
          }
        }
      }
      const reference = median(wrkRps);
      const oursMedian = median(ours.map((o) => o.rps));
      const flagged = ours.filter((o) => o.bound).length;
      const flaggedKeepingUp = ours.filter((o) => o.bound && o.rps >= 0.95 * reference).length;
      const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
      console.log(
        `| ${endpoint} | ${reference.toFixed(0)} | ${oursMedian.toFixed(0)} | ${pct(oursMedian / reference)} | ${flagged} of ${runs} | ${flaggedKeepingUp} | ` +
          `${pct(median(ours.map((o) => o.cpu)))} | ${pct(median(ours.map((o) => o.server)))} | ${Math.max(...ours.map((o) => o.workers))} |`,
      );
      console.log(`<!-- ${endpoint}: wrk ${wrkRps.map((x) => x.toFixed(0)).join(', ')}; bumpbench ${ours.map((o) => `${o.rps.toFixed(0)}${o.bound ? '*' : ''}`).join(', ')} (* flagged) -->`);
    } finally {
      await server.stop();
    }
  }
} finally {
  await load.close();
  await killAllServers();
  await rm(work, { recursive: true, force: true });
}
