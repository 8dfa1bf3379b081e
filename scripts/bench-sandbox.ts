// `npm run bench:sandbox`: what the sandbox costs a server start. Starts a Node hello-world server N times
// (default 20) plainly and N times in a job's sandbox (its own PID/mount namespaces, the job's network
// namespace, readiness probed from inside it), alternating, and prints start-to-ready times. The goal:
// a sandboxed start costs under 1 s more. Then the figures themselves: N fresh-server samples per mode of
// a CPU-bound endpoint under autocannon (the load generator in the server's network either way),
// alternating, with the median and run-to-run CV of req/s and CPU per request: the sandbox must not make
// them worse. No asserts: figures.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../src/bench/server.ts';
import { DEFAULT_LIMITS, Sandbox } from '../src/sandbox/sandbox.ts';
import { sandboxSupport } from '../src/sandbox/support.ts';
import { mean, median, quantile } from 'simple-statistics';
import os from 'node:os';
import { createLoadGenerator, monitorTree } from '../src/bench/index.ts';
import { scenarioSchema } from '../src/config/schema.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const support = sandboxSupport();
if (!support.ok) {
  console.error(`the sandbox does not work here: ${support.reason}`);
  process.exit(1);
}

const work = await mkdtemp(path.join(os.tmpdir(), 'bumpbench-bench-sandbox-'));
const app = path.join(work, 'app');
await mkdir(app);
// `/` answers at once (start-up timing); `/work` spends ~0.3 ms of CPU per request (the measured figures).
await writeFile(
  path.join(app, 'server.js'),
  "require('http').createServer((q, s) => { if (q.url === '/work') { let x = 0; for (let i = 0; i < 150000; i++) x += Math.sqrt(i); s.end(String(x)); } else s.end('ok'); })" +
    '.listen(process.env.PORT, process.env.HOST);\n',
);
const sandbox = new Sandbox({ enabled: true, scratchDir: path.join(work, 'scratch'), network: 'loopback', allowHosts: [], readOnly: [], limits: DEFAULT_LIMITS });
await sandbox.handOver(app);
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

function launcherFor(sandboxed: boolean) {
  return sandboxed
    ? {
        launcher: {
          plan: (command: string, cwd: string, e: Record<string, string>, cpus?: string) => sandbox.plan({ command, cwd, env: e, phase: 'serve', writable: [app], cpus }),
          probe: (url: string, ms: number) => sandbox.probe(url, ms),
        },
      }
    : {};
}

async function timeStart(sandboxed: boolean): Promise<number> {
  const started = performance.now();
  const server = await startServer({
    command: 'node server.js', cwd: app, env, readyPath: '/', readyTimeoutMs: 10_000, ...launcherFor(sandboxed),
  });
  const ms = performance.now() - started;
  await server.stop();
  return ms;
}

try {
  // The job network and its prober start once per job: pay for them before timing, and report them apart.
  const first = performance.now();
  await sandbox.probe('http://127.0.0.1:1/', 100);
  const jobSetup = performance.now() - first;
  const plain: number[] = [];
  const boxed: number[] = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? [false, true] : [true, false];
    for (const sandboxed of order) (sandboxed ? boxed : plain).push(await timeStart(sandboxed));
  }
  const line = (name: string, xs: number[]) =>
    `${name.padEnd(10)} median ${median(xs).toFixed(0).padStart(5)} ms   p90 ${quantile(xs, 0.9).toFixed(0).padStart(5)} ms   max ${Math.max(...xs).toFixed(0).padStart(5)} ms`;
  console.log(`server start to ready, ${runs} starts each (${support.asRoot ? 'root: dedicated uid' : 'user namespace'}, cgroups ${support.cgroups ? `v${support.cgroups.version}` : 'none'})`);
  console.log(line('plain', plain));
  console.log(line('sandboxed', boxed));
  console.log(`extra cost per start: median ${(median(boxed) - median(plain)).toFixed(0)} ms; once per job (network namespace + prober): ${jobSetup.toFixed(0)} ms`);

  // The measured figures, plain against sandboxed, alternating: a fresh server per sample, a 2 s run of /work
  // after a 0.5 s warm-up, the server and the load generator on their own CPUs as a compare pins them.
  const cpus = os.availableParallelism() >= 2 ? { load: '0', server: `1-${os.availableParallelism() - 1}` } : {};
  const samples = { plain: [] as { rps: number; cpuUs: number }[], sandboxed: [] as { rps: number; cpuUs: number }[] };
  const plainLoad = await createLoadGenerator({ cpus: cpus.load });
  const boxedLoad = await createLoadGenerator({ cpus: cpus.load, enter: await sandbox.networkPrefix() });
  const scenario = scenarioSchema.parse({ name: 'work', path: '/work', connections: 4, duration: '2s', warmup: '500ms' });
  try {
    for (let i = 0; i < runs; i++) {
      for (const sandboxed of i % 2 === 0 ? [false, true] : [true, false]) {
        const server = await startServer({ command: 'node server.js', cwd: app, env, readyPath: '/', readyTimeoutMs: 10_000, cpus: cpus.server, ...launcherFor(sandboxed) });
        const load = sandboxed ? boxedLoad : plainLoad;
        try {
          await load.run(server.url, { ...scenario, duration: scenario.warmup, warmup: 0 });
          const monitor = monitorTree(server.pid, 100);
          const run = await load.run(server.url, { ...scenario, warmup: 0 });
          const usage = monitor.stop();
          samples[sandboxed ? 'sandboxed' : 'plain'].push({ rps: run.throughput, cpuUs: (usage.cpuSeconds / Math.max(1, run.requests)) * 1e6 });
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await plainLoad.close();
    await boxedLoad.close();
  }
  const cv = (xs: number[]) => (Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)) / mean(xs)) * 100;
  const row = (name: string, xs: { rps: number; cpuUs: number }[]) =>
    `${name.padEnd(10)} req/s median ${median(xs.map((x) => x.rps)).toFixed(0).padStart(6)} (CV ${cv(xs.map((x) => x.rps)).toFixed(1)}%)   ` +
    `CPU/request median ${median(xs.map((x) => x.cpuUs)).toFixed(1).padStart(6)} µs (CV ${cv(xs.map((x) => x.cpuUs)).toFixed(1)}%)`;
  console.log(`\n/work under load, ${runs} fresh-server samples each, alternating:`);
  console.log(row('plain', samples.plain));
  console.log(row('sandboxed', samples.sandboxed));
} finally {
  await sandbox.close();
  await rm(work, { recursive: true, force: true });
}
