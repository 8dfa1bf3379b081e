// `bumpbench serve` and `bumpbench worker` as child processes: what they refuse to start without, and
// that the fleet's Redis URL and key come from the environment or files, never the command line.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs, sandboxRefusal, sandboxRequirement } from '../../src/cli/serve.ts';
import { readFleetSettings } from '../../src/cli/fleet-settings.ts';
import { tempDir } from '../helpers/git-repo.ts';
import { startRedis, type LocalRedis } from '../helpers/redis.ts';

const BIN = path.join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'bumpbench.js');
const FLEET_KEY = 'c0ffee'.repeat(11);

interface Exit {
  code: number | null;
  stderr: string;
}

/** Runs the CLI in an empty directory (no .env) with only the given environment. */
function cli(args: string[], env: Record<string, string>, opts: { untilLine?: RegExp; onLine?: (pid: number) => void } = {}): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: tempDir('bumpbench-cli-cwd-'),
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let signalled = false;
    child.stderr!.on('data', (d) => {
      stderr += d;
      if (!signalled && opts.untilLine?.test(stderr)) {
        signalled = true;
        opts.onLine?.(child.pid!);
        child.kill('SIGTERM');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const APP = { APP_ID: '1', PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\nnot-a-real-key\n-----END RSA PRIVATE KEY-----' };

describe('bumpbench serve refuses to start without its secrets', () => {
  it('exits 2 without WEBHOOK_SECRET, naming it and how to set it', async () => {
    const { code, stderr } = await cli(['serve', '--data-dir', tempDir()], APP);
    expect(code).toBe(2);
    expect(stderr).toMatch(/WEBHOOK_SECRET is not set/);
    expect(stderr).toMatch(/"development"/);
    expect(stderr).toMatch(/Set WEBHOOK_SECRET/);
  });

  it('exits 2 with a Redis URL but no fleet key, saying how to give one', async () => {
    const { code, stderr } = await cli(['serve', '--data-dir', tempDir()], { ...APP, WEBHOOK_SECRET: 'whsec-0123456789', BUMPBENCH_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/BUMPBENCH_FLEET_KEY or pass --fleet-key-file PATH/);
  });

  it('refuses --redis URL on the command line and says how to pass it instead', async () => {
    const { code, stderr } = await cli(['serve', '--redis', 'redis://:pw@host:6379'], { ...APP, WEBHOOK_SECRET: 'whsec-0123456789' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--redis is not accepted.*BUMPBENCH_REDIS_URL.*--redis-url-file PATH/s);
  });
});

describe('serve and worker refuse to run code unsandboxed', () => {
  // A PATH without bubblewrap (nor a shell to find it with): the sandbox cannot work.
  const noSandbox = { PATH: tempDir('bumpbench-empty-path-') };

  it('serve and worker exit 2 where the sandbox does not work, saying why and what to do', async () => {
    for (const args of [['serve', '--data-dir', tempDir()], ['worker', '--data-dir', tempDir()]]) {
      const { code, stderr } = await cli(args, { ...APP, WEBHOOK_SECRET: 'whsec-0123456789', ...noSandbox });
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/the sandbox for the code of benchmarked repositories does not work on this machine: .*not found/);
      expect(stderr).toMatch(/--unsafe-no-sandbox/);
    }
  });

  it('the refusal is lifted only by --unsafe-no-sandbox, and never needed where the sandbox works', () => {
    const broken = { ok: false, reason: 'bwrap not found', asRoot: false, cgroups: null };
    expect(sandboxRefusal({ unsandboxed: false }, broken)).toMatch(/bwrap not found/);
    expect(sandboxRefusal({ unsandboxed: true }, broken)).toBeNull();
    expect(sandboxRefusal({ unsandboxed: false }, { ...broken, ok: true, reason: undefined })).toBeNull();
    expect(sandboxRequirement({ unsandboxed: false })).toBe('required');
    expect(sandboxRequirement({ unsandboxed: true })).toBe('off');
    expect((parseServeArgs(['--unsafe-no-sandbox']) as { unsandboxed: boolean }).unsandboxed).toBe(true);
  });
});

describe('fleet settings', () => {
  it('the Redis URL from a file wins over the environment; the key from a file or BUMPBENCH_FLEET_KEY; short keys refused', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'url'), 'redis://:filepw@redis.internal:6379\n');
    writeFileSync(path.join(dir, 'key'), `${FLEET_KEY}\n`);
    const fromFiles = readFleetSettings({ redisUrlFile: path.join(dir, 'url'), fleetKeyFile: path.join(dir, 'key') }, { REDIS_URL: 'redis://env:6379' });
    expect(fromFiles).toMatchObject({ redisUrl: 'redis://:filepw@redis.internal:6379' });
    expect(readFleetSettings({}, { REDIS_URL: 'redis://env:6379', BUMPBENCH_FLEET_KEY: FLEET_KEY })).toMatchObject({ redisUrl: 'redis://env:6379' });
    expect(readFleetSettings({}, {})).toBeNull();
    expect(readFleetSettings({}, { BUMPBENCH_REDIS_URL: 'redis://x:6379', BUMPBENCH_FLEET_KEY: 'short' })).toMatch(/at least 32/);
    expect(readFleetSettings({}, { BUMPBENCH_REDIS_URL: 'http://x', BUMPBENCH_FLEET_KEY: FLEET_KEY })).toMatch(/must look like redis:\/\//);
    expect(readFleetSettings({ fleetKeyFile: path.join(dir, 'missing') }, { BUMPBENCH_REDIS_URL: 'redis://x:6379' })).toMatch(/cannot read the fleet key from .*missing \(ENOENT\)/);
    expect(() => parseServeArgs(['--redis=redis://x'])).toThrow(/--redis is not accepted/);
  });
});

describe('bumpbench worker as a fleet runner', () => {
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);
  afterAll(() => redis?.stop());

  it('exits 2 with a Redis URL but no fleet key', async () => {
    const { code, stderr } = await cli(['worker'], { BUMPBENCH_REDIS_URL: redis.url });
    expect(code).toBe(2);
    expect(stderr).toMatch(/a runner fleet needs the key the App and its runners share/);
  });

  it('starts from files: neither the Redis URL nor the key is on its command line or in its log; SIGTERM stops it cleanly', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'redis-url'), redis.url);
    writeFileSync(path.join(dir, 'fleet-key'), FLEET_KEY);
    let argv = '';
    const { code, stderr } = await cli(['worker', '--data-dir', tempDir(), '--redis-url-file', path.join(dir, 'redis-url'), '--fleet-key-file', path.join(dir, 'fleet-key')], {}, {
      untilLine: /fleet runner started/,
      onLine: (pid) => (argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')),
    });
    expect(stderr).toMatch(/fleet runner started/);
    expect(code, stderr).toBe(0);
    expect(argv).toContain('--redis-url-file');
    expect(argv).not.toContain(redis.url);
    expect(argv).not.toContain(FLEET_KEY);
    expect(stderr).not.toContain(FLEET_KEY);
  });
});
