// The sampler walks down from the server's pid; it never lists every process on the machine. Counted
// by wrapping node:fs, so this file has its own module graph.
import { readdirSync as realReaddirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const listed: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readdirSync = ((dir: Parameters<typeof fs.readdirSync>[0], ...rest: unknown[]) => {
    listed.push(String(dir));
    return (fs.readdirSync as (...a: unknown[]) => unknown)(dir, ...rest);
  }) as typeof fs.readdirSync;
  return { ...fs, default: { ...fs, readdirSync }, readdirSync };
});

const { baseChildEnv, killAllServers, monitorTree, sampleTree, startServer } = await import('../../src/bench/index.ts');
const { makeAppDir, removeDir, sleep } = await import('./fixtures.ts');

let dir: string;
beforeAll(() => {
  dir = makeAppDir();
});
afterAll(() => {
  killAllServers();
  removeDir(dir);
});

describe('proc-tree sampling cost', () => {
  it('a sample of a three-process tree reads only that tree, never the whole of /proc', async () => {
    const server = await startServer({ command: 'node stubborn.mjs & node hello.mjs; wait', cwd: dir, env: baseChildEnv(), readyPath: '/', readyTimeoutMs: 15_000 });
    try {
      let pids = 0;
      for (let i = 0; i < 100 && pids < 3; i++) {
        pids = sampleTree(server.pid).pids;
        if (pids < 3) await sleep(50);
      }
      expect(pids).toBe(3);
      listed.length = 0;
      const monitor = monitorTree(server.pid, 20);
      await sleep(200);
      monitor.stop();
      expect(listed.length).toBeGreaterThan(0);
      expect(listed).not.toContain('/proc');
      // Only the task lists of the tree's own processes.
      expect(listed.every((d) => /^\/proc\/\d+\/task$/.test(d))).toBe(true);
      expect(realReaddirSync('/proc').filter((n) => /^\d+$/.test(n)).length).toBeGreaterThan(3);
    } finally {
      await server.stop();
    }
  });
});
