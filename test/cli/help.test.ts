// Every command answers --help and -h through the real entry (bin/bumpbench.js, a separate process), with
// exit 0 and a usage that names the command's flags. The flags are written out here rather than read
// from the specs, so a flag dropped from a spec (and so from parsing and help) fails this test.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname, '../../bin/bumpbench.js');

const JOB = ['--repo', '--base', '--head', '--config', '--json', '--markdown', '--db', '--data-dir', '--quiet'];
const FLAGS: Record<string, string[]> = {
  compare: JOB,
  bisect: [...JOB, '--package'],
  soak: [...JOB, '--duration'],
  diff: ['--json'],
  calibrate: ['--repo', '--ref', '--pairs', '--config', '--db', '--data-dir'],
  demo: ['--keep', '--json'],
  serve: ['--data-dir', '--no-worker', '--redis-url-file', '--fleet-key-file', '--fleet-slots'],
  worker: ['--data-dir', '--redis-url-file', '--fleet-key-file', '--concurrency'],
};

function bumpbench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // No REDIS_URL or App credentials from the environment: help must not depend on them.
    const env = { ...process.env, REDIS_URL: '', APP_ID: '' };
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bumpbench COMMAND --help', () => {
  it.each(Object.entries(FLAGS))('%s --help prints its usage with every flag and exits 0', async (command, flags) => {
    const r = await bumpbench([command, '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const usage = r.stdout.split('\n')[0];
    expect(usage).toMatch(new RegExp(`^usage: bumpbench ${command}\\b`));
    for (const flag of flags) expect(usage, `${command} usage names ${flag}`).toMatch(new RegExp(`[ []${flag}(?=[ \\]]|$)`));
    expect(r.stdout).toContain('-h, --help');
  });

  it.each(Object.keys(FLAGS))('%s -h prints the same, even after a flag it would refuse', async (command) => {
    const [long, short] = await Promise.all([bumpbench([command, '--help']), bumpbench([command, '--no-such-flag', '-h'])]);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(long.stdout);
  });
});
