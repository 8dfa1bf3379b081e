// Ctrl-C in the middle of a compare: the CLI stops, and no server process or worktree survives it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRepo, commitOnBranch, git, tempDir } from '../helpers/git-repo.ts';
import { cpuAppConfig, cpuAppFiles } from '../helpers/cpu-app.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/bumpbench.js');

function runUntil(args: string[], marker: RegExp): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!sent && marker.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr });
    });
  });
}

describe('interrupting a compare', () => {
  it('leaves no server and no worktree behind after Ctrl-C', async () => {
    const repo = createRepo(cpuAppFiles(1_000_000, cpuAppConfig({ min: 20, max: 20, duration: '2s' })));
    commitOnBranch(repo, 'head', { 'work.json': '{"work": 1200000}' }, 'more work');
    const dataDir = tempDir('bumpbench-data-');
    const result = await runUntil(['compare', '--repo', repo, '--base', 'main', '--head', 'head', '--data-dir', dataDir], /pair 1 of 20 done/);
    expect(result.stderr).toMatch(/interrupted/);
    expect(result.code === 130 || result.signal === 'SIGINT').toBe(true);
    expect(serverPidsUnder(dataDir)).toEqual([]);
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
    const work = path.join(dataDir, 'work');
    expect(existsSync(work) ? readdirSync(work) : []).toEqual([]);
  });
});
