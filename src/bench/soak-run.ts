// One side of a memory soak: a running server loaded at a fixed rate for the whole soak, in chunks that
// cycle through the scenarios, while the memory (RssAnon) of its process tree is read at a fixed interval.
// Chunks, not one long run: a crashed server is noticed within a chunk, and cancelling ends a chunk.
import type { Scenario } from '../config/schema.ts';
import type { MemorySample } from '../stats/trend.ts';
import type { LoadGenerator, Session } from './load-generator.ts';
import type { SoakRunFacts } from './soak-analysis.ts';
import { sampleTree } from './proc-tree.ts';
import type { ServerHandle } from './server.ts';

/** Longest load run of a soak; the scenario changes at each. */
const CHUNK_MS = 60_000;

/** What the analysis needs of a side: its memory samples, and how the load went (`crashed`: the server's last output). */
export interface SoakSideOutcome extends SoakRunFacts {
  memory: MemorySample[];
  /** Seconds of load the requests came from. */
  loadSec: number;
}

export interface SoakSideOptions {
  server: ServerHandle;
  load: LoadGenerator;
  scenarios: Scenario[];
  /** Requests per second, all connections together. */
  rate: number;
  connections: number;
  durationMs: number;
  sampleEveryMs: number;
  /** performance.now() at the common start of both sides, so their samples share a clock. */
  t0: number;
  /**
   * The config's login, sent before every chunk: a soak outlasts most sessions (an hour's token expires
   * halfway through a 2 h soak), and a fresh login each minute costs one request.
   */
  logIn?: () => Promise<Session | undefined>;
  signal?: AbortSignal;
  /** Each sample as it is taken (a soak's ledger stores it at once). */
  onSample?: (sample: MemorySample) => void;
  /** The load totals so far (and the seconds of load they came from), after each chunk. */
  onChunk?: (facts: { requests: number; failedRequests: number; loadSec: number }) => void;
}

export async function runSoakSide(opts: SoakSideOptions): Promise<SoakSideOutcome> {
  const { server, load, signal } = opts;
  const elapsedMs = () => performance.now() - opts.t0;
  const outcome: SoakSideOutcome = { memory: [], requests: 0, failedRequests: 0, loadSec: 0 };
  const sample = () => {
    // Once the job is stopping, its servers are being killed: a reading of a dying tree is not memory use.
    if (server.exited || signal?.aborted) return;
    const tree = sampleTree(server.pid);
    if (tree.pids === 0) return;
    const taken = { tSec: elapsedMs() / 1000, bytes: tree.rssAnonBytes };
    outcome.memory.push(taken);
    opts.onSample?.(taken);
  };
  sample();
  const sampler = setInterval(sample, opts.sampleEveryMs);
  try {
    for (let i = 0; elapsedMs() < opts.durationMs; i++) {
      signal?.throwIfAborted();
      if (server.exited) break;
      const scenario = opts.scenarios[i % opts.scenarios.length];
      const chunkMs = Math.min(CHUNK_MS, opts.durationMs - elapsedMs());
      if (chunkMs < 100) break;
      try {
        const session = await opts.logIn?.();
        const run = await load.run(server.url, { ...scenario, connections: opts.connections, duration: chunkMs, warmup: 0 }, { rate: opts.rate, session });
        outcome.requests += run.requests;
        outcome.failedRequests += run.errors + run.timeouts + run.non2xx;
        outcome.loadSec += run.durationSec;
        opts.onChunk?.({ requests: outcome.requests, failedRequests: outcome.failedRequests, loadSec: outcome.loadSec });
      } catch (err) {
        signal?.throwIfAborted();
        // A server that died takes the load run with it; anything else is the load generator's problem.
        if (!server.exited) throw err;
      }
    }
    sample();
  } finally {
    clearInterval(sampler);
  }
  if (server.exited) outcome.crashed = server.outputTail() || '(no output)';
  return outcome;
}
