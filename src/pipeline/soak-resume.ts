// A soak that survives its process: every memory sample goes to the soak's ledger as it is taken, and a
// soak that finds a ledger of itself (the same commits, length and load) resumes from it instead of
// starting over. The servers are fresh, so their memory starts again: the new life gets its own warm-up
// (the soak is extended by one warm-up per resumption, so the verdict still has the windows it was planned
// with), its samples are tagged with the life they belong to, and trends are read within lives
// (src/stats/trend.ts). The gap (how long nothing ran) is kept for the report.
import { createHash } from 'node:crypto';
import type { ProgressFn } from '../model.ts';
import type { MemorySample } from '../stats/trend.ts';
import type { LedgerSample, SoakCheckpoint, SoakLedger } from '../store/soak-ledger.ts';

type Side = 'base' | 'head';

export interface LoadFacts {
  requests: number;
  failedRequests: number;
  /** Seconds of load those requests came from. */
  loadSec: number;
}

export interface SoakResume {
  /** This life: 0 for a fresh soak. */
  segment: number;
  /** The soak's clock when this life starts, ms. */
  offsetMs: number;
  /** The soak's clock at which it ends: its duration plus one warm-up per resumption, ms. */
  endMs: number;
  resumes: { atSec: number; gapSec: number }[];
  /** Where each sample of a side goes as it is taken. */
  onSample(side: Side): (sample: MemorySample) => void;
  /** Where a side's load totals of this life go after each load chunk. */
  onChunk(side: Side): (facts: LoadFacts) => void;
  /** Every sample of a side, earlier lives first, each tagged with its life. */
  samplesOf(side: Side, current: readonly MemorySample[]): MemorySample[];
  /** A side's load over all lives. */
  factsOf(side: Side, current: LoadFacts): LoadFacts;
  close(): Promise<void>;
}

/** What makes two soaks the same soak: a ledger of anything else is not resumed. */
export function soakIdentity(parts: { baseSha: string; headSha: string; durationMs: number; rate: number; connections: number; sampleEvery: number; warmup: number; window: number; scenarios: string[] }): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export async function openSoakResume(opts: {
  ledger: SoakLedger;
  identity: string;
  durationMs: number;
  warmupMs: number;
  sampleEveryMs: number;
  onProgress?: ProgressFn;
}): Promise<SoakResume> {
  const { ledger } = opts;
  let prior = await ledger.read().catch(() => null);
  if (prior && prior.checkpoint.identity !== opts.identity) {
    await ledger.clear();
    prior = null;
  }
  const earlier: LedgerSample[] = prior?.samples ?? [];
  let checkpoint: SoakCheckpoint;
  let segment = 0;
  let offsetMs = 0;
  const now = Date.now();
  if (prior && earlier.length > 0) {
    segment = Math.max(...prior.checkpoint.lives.map((l) => l.segment), ...earlier.map((s) => s.segment)) + 1;
    // The clock goes on from the last sample kept (plus one interval, so no two samples share a time).
    offsetMs = Math.max(...earlier.map((s) => s.tSec)) * 1000 + opts.sampleEveryMs;
    const gapSec = Math.max(0, (now - Math.max(...earlier.map((s) => s.at))) / 1000);
    checkpoint = {
      identity: opts.identity,
      lives: [...prior.checkpoint.lives, { segment, startSec: offsetMs / 1000, startedAt: now, gapSec, requests: { base: 0, head: 0 }, failedRequests: { base: 0, head: 0 }, loadSec: { base: 0, head: 0 } }],
    };
  } else {
    if (prior) await ledger.clear(); // a checkpoint without samples: nothing to resume
    checkpoint = { identity: opts.identity, lives: [{ segment: 0, startSec: 0, startedAt: now, gapSec: 0, requests: { base: 0, head: 0 }, failedRequests: { base: 0, head: 0 }, loadSec: { base: 0, head: 0 } }] };
  }
  await ledger.save(checkpoint);
  const life = checkpoint.lives[checkpoint.lives.length - 1];
  const endMs = opts.durationMs + segment * opts.warmupMs;
  const resumes = checkpoint.lives.filter((l) => l.segment > 0).map((l) => ({ atSec: l.startSec, gapSec: l.gapSec }));
  if (segment > 0) {
    const clock = (ms: number) => `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
    opts.onProgress?.({
      phase: 'soak',
      message:
        `resuming the soak from its checkpoint at ${clock(offsetMs)} (server life ${segment + 1}, after a ${Math.round(life.gapSec)} s gap): ` +
        `${earlier.length} samples kept; the fresh servers warm up again, so it ends at ${clock(endMs)}`,
    });
  }

  // Storing never fails the soak: a sample that cannot be stored is lost to a later resumption only.
  let storeProblem = false;
  const safely = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (!storeProblem) opts.onProgress?.({ phase: 'soak', message: `note: soak samples are not being stored (${(err as Error).message}); a restart would start the soak over` });
      storeProblem = true;
    }
  };
  const tag = (samples: readonly { tSec: number; bytes: number }[], seg: number): MemorySample[] => samples.map((s) => ({ tSec: s.tSec, bytes: s.bytes, segment: seg }));
  const previousLives = checkpoint.lives.slice(0, -1);
  return {
    segment,
    offsetMs,
    endMs,
    resumes,
    onSample: (side) => (sample) => safely(() => ledger.add({ side, segment, tSec: sample.tSec, bytes: sample.bytes, at: Date.now() })),
    onChunk: (side) => (facts) => {
      life.requests[side] = facts.requests;
      life.failedRequests[side] = facts.failedRequests;
      life.loadSec[side] = facts.loadSec;
      void ledger.save(checkpoint).catch(() => safely(() => { throw new Error('the checkpoint could not be saved'); }));
    },
    samplesOf: (side, current) => [
      ...earlier.filter((s) => s.side === side).map((s) => ({ tSec: s.tSec, bytes: s.bytes, segment: s.segment })),
      ...tag(current, segment),
    ],
    factsOf: (side, current) => ({
      requests: previousLives.reduce((n, l) => n + l.requests[side], 0) + current.requests,
      failedRequests: previousLives.reduce((n, l) => n + l.failedRequests[side], 0) + current.failedRequests,
      loadSec: previousLives.reduce((n, l) => n + l.loadSec[side], 0) + current.loadSec,
    }),
    close: async () => {
      await ledger.flush().catch(() => undefined);
      await ledger.close();
    },
  };
}
