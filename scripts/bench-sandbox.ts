// `npm run bench:sandbox`: what the sandbox costs a server start. Starts a Node hello-world server N times
// (default 20) plainly and N times in a job's sandbox (its own PID/mount namespaces, the job's network
// namespace, readiness probed from inside it), alternating, and prints start-to-ready times. The goal:
// a sandboxed start costs under 1 s more. No asserts: figures.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../src/bench/server.ts';
import { DEFAULT_LIMITS, Sandbox } from '../src/sandbox/sandbox.ts';
import { sandboxSupport } from '../src/sandbox/support.ts';
import { median, quantile } from 'simple-statistics';

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
await writeFile(path.join(app, 'server.js'), "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT, process.env.HOST);\n");
const sandbox = new Sandbox({ enabled: true, scratchDir: path.join(work, 'scratch'), network: 'loopback', allowHosts: [], readOnly: [], limits: DEFAULT_LIMITS });
await sandbox.handOver(app);
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

async function timeStart(sandboxed: boolean): Promise<number> {
  const started = performance.now();
  const server = await startServer({
    command: 'node server.js', cwd: app, env, readyPath: '/', readyTimeoutMs: 10_000,
    ...(sandboxed
      ? {
          launcher: {
            plan: (command: string, cwd: string, e: Record<string, string>) => sandbox.plan({ command, cwd, env: e, phase: 'serve', writable: [app] }),
            probe: (url: string, ms: number) => sandbox.probe(url, ms),
          },
        }
      : {}),
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
} finally {
  await sandbox.close();
  await rm(work, { recursive: true, force: true });
}
