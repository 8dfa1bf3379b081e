// Job dirs a process killed outright left behind are removed by the next one; a live process's are not.
import { mkdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { processIdentity } from '../../src/workspace/process-identity.ts';
import { claimJobDir, sweepStaleJobDirs } from '../../src/workspace/stale-work.ts';
import { tempDir } from '../helpers/git-repo.ts';

describe('stale job dirs', () => {
  it('removes the dirs of dead owners (same host and pid, another start time), keeps live and fresh ones', async () => {
    const dataDir = tempDir('bumpbench-stale-');
    const work = path.join(dataDir, 'work');
    const [host, pid, start, boot] = processIdentity().split(':');
    const dead = path.join(work, 'dead0001');
    mkdirSync(path.join(dead, 'base'), { recursive: true });
    writeFileSync(path.join(dead, '.owner'), [host, pid, String(Number(start) - 7), boot].join(':'));
    const mine = path.join(work, 'mine0001');
    await claimJobDir(mine);
    const fresh = path.join(work, 'fresh001'); // no owner yet: may be being made right now
    mkdirSync(fresh, { recursive: true });
    const ancient = path.join(work, 'old00001'); // no owner, from long ago
    mkdirSync(ancient, { recursive: true });
    utimesSync(ancient, new Date(0), new Date(0));
    const removed = await sweepStaleJobDirs(dataDir);
    expect(removed.sort()).toEqual([dead, ancient].sort());
    expect([existsSync(dead), existsSync(mine), existsSync(fresh), existsSync(ancient)]).toEqual([false, true, true, false]);
  });
});
