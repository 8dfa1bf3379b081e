// A soak's ledger across processes: samples stored as taken, a later run of the same soak resumes after
// them (its clock going on, one warm-up longer, the gap kept), and a ledger of another soak is not used.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSoakResume, soakIdentity } from '../../src/pipeline/soak-resume.ts';
import { SqliteSoakLedger } from '../../src/store/soak-ledger.ts';
import { tempDir } from '../helpers/git-repo.ts';

const identity = soakIdentity({ baseSha: 'a', headSha: 'b', durationMs: 60_000, rate: 10, connections: 1, sampleEvery: 500, warmup: 5000, window: 2000, scenarios: ['x'] });
const open = (file: string, id = identity) =>
  openSoakResume({ ledger: new SqliteSoakLedger(file, 'job-7'), identity: id, durationMs: 60_000, warmupMs: 6_000, sampleEveryMs: 500 });

describe('soak resumption', () => {
  it('resumes where the last process stopped, over as many lives as it takes', async () => {
    const file = path.join(tempDir('bumpbench-ledger-'), 'bumpbench.db');
    const first = await open(file);
    expect([first.segment, first.offsetMs, first.endMs, first.resumes]).toEqual([0, 0, 60_000, []]);
    for (let t = 0; t <= 20; t += 0.5) first.onSample('base')({ tSec: t, bytes: 100 + t });
    for (let t = 0; t <= 19.5; t += 0.5) first.onSample('head')({ tSec: t, bytes: 200 + t });
    first.onChunk('base')({ requests: 200, failedRequests: 1, loadSec: 20 });
    await first.close(); // the process dies here: nothing else is written

    const messages: string[] = [];
    const second = await openSoakResume({
      ledger: new SqliteSoakLedger(file, 'job-7'), identity, durationMs: 60_000, warmupMs: 6_000, sampleEveryMs: 500,
      onProgress: (e) => messages.push(e.message),
    });
    expect(second.segment).toBe(1);
    expect(second.offsetMs).toBe(20_500);
    expect(second.endMs).toBe(66_000); // one more warm-up for the fresh servers
    expect(second.resumes).toHaveLength(1);
    expect(second.resumes[0].atSec).toBe(20.5);
    expect(messages[0]).toMatch(/^resuming the soak from its checkpoint at 0m20s \(server life 2, after a \d+ s gap\): 81 samples kept/);
    second.onSample('base')({ tSec: 21, bytes: 100 });
    await second.close();

    const third = await open(file);
    expect(third.segment).toBe(2);
    expect(third.endMs).toBe(72_000);
    const base = third.samplesOf('base', [{ tSec: 40, bytes: 1 }]);
    expect(base.map((s) => s.segment)).toEqual([...Array(41).fill(0), 1, 2]);
    expect(third.factsOf('base', { requests: 10, failedRequests: 0, loadSec: 1 })).toEqual({ requests: 210, failedRequests: 1, loadSec: 21 });
    await third.close();
  });

  it('never resumes another soak: a ledger under the same key with another identity starts over', async () => {
    const file = path.join(tempDir('bumpbench-ledger-'), 'bumpbench.db');
    const first = await open(file);
    first.onSample('base')({ tSec: 1, bytes: 1 });
    await first.close();
    const other = await open(file, 'another soak');
    expect(other.segment).toBe(0);
    expect(other.samplesOf('base', [])).toEqual([]);
    await other.close();
  });
});
