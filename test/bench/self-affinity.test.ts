// The orchestrator moves itself off the server's CPUs while it measures, and back afterwards.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ownAffinity, whilePinned } from '../../src/bench/self-affinity.ts';

describe('whilePinned', () => {
  it.skipIf(availableParallelism() < 2)('pins this process to the given CPUs for the work, and restores it however the work ends', async () => {
    const before = ownAffinity();
    expect(before).not.toBeNull();
    expect(await whilePinned('0', async () => ownAffinity())).toBe('0');
    expect(ownAffinity()).toBe(before);
    await expect(whilePinned('0', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(ownAffinity()).toBe(before);
    // No CPU list: nothing changes.
    expect(await whilePinned(undefined, async () => ownAffinity())).toBe(before);
  });
});
