// A soak's ledger on the fleet's Redis (the SQLite one is src/store/soak-ledger.ts): a runner that dies
// mid-soak leaves its samples where the runner that takes the run over finds them, whichever machine that
// is. Like everything in Redis, each entry is signed with the fleet key, bound to the soak, and an entry that
// does not verify is not used. Keep Redis persistent (appendonly) to keep soaks across a Redis restart too.
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { LedgerSample, SoakCheckpoint, SoakLedger } from '../store/soak-ledger.ts';
import type { FleetKey } from './fleet-key.ts';
import { signedEnvelopeSchema } from './fleet-messages.ts';

/** A soak's ledger outlives a day of restarts, not a week of neglect. */
const KEEP_SECONDS = 7 * 24 * 3600;

const sampleSchema = z.object({
  side: z.enum(['base', 'head']),
  segment: z.number().int().nonnegative(),
  tSec: z.number(),
  bytes: z.number().nonnegative(),
  at: z.number(),
});
const count = z.object({ base: z.number(), head: z.number() });
const checkpointSchema = z.object({
  identity: z.string(),
  lives: z.array(
    z.object({
      segment: z.number().int().nonnegative(), startSec: z.number(), startedAt: z.number(), gapSec: z.number(),
      requests: count, failedRequests: count, loadSec: count,
    }),
  ),
});

export class RedisSoakLedger implements SoakLedger {
  private readonly checkpointKey: string;
  private readonly samplesKey: string;
  private pending: Promise<unknown>[] = [];

  constructor(private readonly redis: Redis, private readonly key: FleetKey, private readonly soakKey: string) {
    this.checkpointKey = `bumpbench:soak:${soakKey}:checkpoint`;
    this.samplesKey = `bumpbench:soak:${soakKey}:samples`;
  }

  private sign(value: unknown): string {
    const payload = JSON.stringify(value);
    return JSON.stringify({ payload, mac: this.key.sign('soak', this.soakKey, payload) });
  }

  /** The value inside a signed entry, or null when it does not verify. */
  private open(text: string | null): unknown {
    if (text === null) return null;
    try {
      const envelope = signedEnvelopeSchema.safeParse(JSON.parse(text));
      if (!envelope.success || !this.key.verify('soak', this.soakKey, envelope.data.payload, envelope.data.mac)) return null;
      return JSON.parse(envelope.data.payload);
    } catch {
      return null;
    }
  }

  async read(): Promise<{ checkpoint: SoakCheckpoint; samples: LedgerSample[] } | null> {
    const checkpoint = checkpointSchema.safeParse(this.open(await this.redis.get(this.checkpointKey)));
    if (!checkpoint.success) return null;
    const samples = (await this.redis.lrange(this.samplesKey, 0, -1)).flatMap((entry) => {
      const sample = sampleSchema.safeParse(this.open(entry));
      return sample.success ? [sample.data] : [];
    });
    return { checkpoint: checkpoint.data, samples };
  }

  async save(checkpoint: SoakCheckpoint): Promise<void> {
    await this.redis.multi().set(this.checkpointKey, this.sign(checkpoint), 'EX', KEEP_SECONDS).expire(this.samplesKey, KEEP_SECONDS).exec();
  }

  add(sample: LedgerSample): void {
    // Sent at once; a sample lost to a Redis hiccup costs one reading of a resumed soak, never the soak.
    this.pending.push(this.redis.rpush(this.samplesKey, this.sign(sample)).catch(() => undefined));
    if (this.pending.length > 100) this.pending = this.pending.slice(-100);
  }

  async flush(): Promise<void> {
    await Promise.all(this.pending);
    this.pending = [];
  }

  async clear(): Promise<void> {
    await this.redis.del(this.checkpointKey, this.samplesKey);
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
