// The runner id outlives the container: it is in the data dir (or given), never the hostname.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNNER_ID_FILE, runnerId } from '../../src/store/runner-id.ts';
import { tempDir } from '../helpers/git-repo.ts';

describe('runnerId', () => {
  it('is made once and read back from the data dir (a restarted container with the same volume keeps it)', () => {
    const dir = tempDir('bumpbench-runner-');
    try {
      const first = runnerId(dir, {});
      expect(first).toMatch(/^runner-[0-9a-f-]{36}$/);
      expect(readFileSync(path.join(dir, RUNNER_ID_FILE), 'utf8').trim()).toBe(first);
      expect(runnerId(dir, {})).toBe(first);
      // BUMPBENCH_RUNNER_ID wins: a fleet names its runners.
      expect(runnerId(dir, { BUMPBENCH_RUNNER_ID: 'ci-box-3' })).toBe('ci-box-3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
