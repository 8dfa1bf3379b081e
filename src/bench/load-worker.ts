// The load-generator child process. autocannon is single-threaded and closed-loop: run in the caller's
// event loop it would compete with (and be slowed by) the App or the CLI, so it runs here, alone,
// driven over IPC by load-generator.ts. One request at a time.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Scenario } from '../config/schema.ts';
import type { LoadRun, LoginRequestMessage, RunRequestMessage, Session, WorkerMessage } from './load-protocol.ts';
import { LoginError, logIn } from './login.ts';
import { requestPlan } from './request-plan.ts';

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/** How the run's requests vary between runs: what the login captured, and which worker of the pool this is. */
interface Variation {
  session?: Session;
  stream?: number;
}

/**
 * The requests: one fixed request as autocannon's own options (encoded once), or a `setupRequest` hook
 * that draws each request from the plan. A fresh plan per run: every run starts at the seed.
 */
function requestOptions(url: string, scenario: Scenario, variation: Variation): Pick<autocannon.Options, 'url' | 'method' | 'headers' | 'body' | 'requests'> {
  const plan = requestPlan(scenario, variation.session, variation.stream);
  const fixed = plan.fixed;
  if (fixed) {
    return { url: new URL(fixed.path, url).toString(), method: fixed.method as autocannon.Request['method'], headers: fixed.headers, ...(fixed.body ? { body: fixed.body } : {}) };
  }
  return {
    url: new URL('/', url).toString(),
    requests: [
      {
        setupRequest: (request: autocannon.Request) => {
          const drawn = plan.next();
          return { ...request, method: drawn.method as autocannon.Request['method'], path: drawn.path, headers: drawn.headers, body: drawn.body };
        },
      },
    ],
  };
}

function baseOptions(url: string, scenario: Scenario, durationMs: number, variation: Variation, rate?: number): autocannon.Options {
  return {
    ...requestOptions(url, scenario, variation),
    connections: scenario.connections,
    pipelining: scenario.pipelining,
    // autocannon takes seconds; fractions work (it multiplies by 1000 for its timer).
    duration: durationMs / 1000,
    // autocannon only notices that the duration is over at its sampling tick (default every 1000 ms), so
    // a 1.5 s run would last 2 s. Its per-tick request counts are not used by us; tick often instead.
    sampleInt: 100,
    // A soak sends both sides the same fixed load, however fast each answers.
    ...(rate ? { overallRate: rate } : {}),
  };
}

/**
 * Nanoseconds our main thread has run (its schedstat), or null where it cannot be read. The main thread
 * is autocannon's event loop: when it is saturated the generator is the limit; GC and libuv threads
 * that process.cpuUsage() also counts are not.
 */
function mainThreadNs(): number | null {
  try {
    const text = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8');
    const ns = Number(text.slice(0, text.indexOf(' ')));
    return Number.isFinite(ns) ? ns : null;
  } catch {
    return null;
  }
}

async function measure(url: string, scenario: Scenario, variation: Variation, rate?: number, bucketMs?: number): Promise<LoadRun> {
  if (scenario.warmup > 0) {
    // A separate, awaited run: autocannon's own `warmup` option is silently skipped with a callback, and a
    // fresh instance also keeps warm-up responses out of the measured histogram and counts.
    await autocannon(baseOptions(url, scenario, scenario.warmup, variation));
  }

  // autocannon's latency percentiles are whole milliseconds; its per-response float time is not.
  const histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const expected = new Set(scenario.expectStatus);
  let responses = 0;
  let non2xx = 0;
  const completions = new Map<number, number>();

  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadNs();
  const wallStart = process.hrtime.bigint();
  // Called without a callback autocannon returns its event-emitting tracker, which is also thenable.
  const instance = autocannon(baseOptions(url, scenario, scenario.duration, variation, rate)) as unknown as autocannon.Instance &
    PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    responses += 1;
    if ((statusCode < 200 || statusCode > 299) && !expected.has(statusCode)) non2xx += 1;
    histogram.recordValue(Math.max(1, Math.round(responseTime * 1000)));
    if (bucketMs) {
      // The machine's monotonic clock, shared with the observe run's hooks in the server's namespace.
      const bucket = Math.floor(Number(process.hrtime.bigint() / 1000n) / 1000 / bucketMs);
      completions.set(bucket, (completions.get(bucket) ?? 0) + 1);
    }
  });
  const result = await instance;
  const wallSec = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const mainEnd = mainThreadNs();
  const busySec = mainStart !== null && mainEnd !== null ? (mainEnd - mainStart) / 1e9 : (cpu.user + cpu.system) / 1e6;

  const run: LoadRun = {
    requests: responses,
    durationSec: wallSec,
    throughput: wallSec > 0 ? responses / wallSec : 0,
    latencyUs: {
      p50: histogram.getValueAtPercentile(50),
      p90: histogram.getValueAtPercentile(90),
      p99: histogram.getValueAtPercentile(99),
      mean: histogram.mean,
    },
    errors: Math.max(0, result.errors - result.timeouts),
    timeouts: result.timeouts,
    non2xx,
    loadGenCpu: wallSec > 0 ? busySec / wallSec : 0,
    workers: 1,
    histogram: encodeIntoCompressedBase64(histogram),
    ...(bucketMs ? { completions: [...completions.entries()] } : {}),
  };
  histogram.destroy();
  return run;
}

let queue: Promise<void> = Promise.resolve();

process.on('message', (message: RunRequestMessage | LoginRequestMessage) => {
  if (message?.type !== 'run' && message?.type !== 'login') return;
  queue = queue.then(async () => {
    try {
      if (message.type === 'login') {
        send({ type: 'session', id: message.id, session: await logIn(message.url, message.steps) });
      } else {
        const variation = { session: message.session, stream: message.stream };
        send({ type: 'result', id: message.id, run: await measure(message.url, message.scenario, variation, message.rate, message.bucketMs) });
      }
    } catch (err) {
      send({ type: 'error', id: message.id, message: err instanceof Error ? err.message : String(err), ...(err instanceof LoginError ? { login: true } : {}) });
    }
  });
});

// The parent went away (closed us, or died): nothing left to serve.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready' });
