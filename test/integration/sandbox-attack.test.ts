// The trust boundary, tested as an attacker would test it: the App runs end to end (`bumpbench serve`,
// a fake GitHub, a signed webhook) on a pull request whose install command and server are hostile
// (test/fixtures/attacker/attack.cjs). They read every /proc/*/environ and cmdline they can, the App's
// key file and data dir; write into the shared install cache and the repo mirror; start a setsid daemon;
// try to kill the App; and try to send their loot to a listener on the host's loopback and to leave it in
// /tmp, /var/tmp and /dev/shm. Nothing of that may work, and the compare must still complete.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxSupport } from '../../src/sandbox/support.ts';
import { startFakeGitHub, sendWebhook, startServe, stopServe, until, type FakeGitHub, type ServeProcess } from '../helpers/fake-github.ts';
import { commitOnBranch, createRepo, git, tempDir } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const MARKER = `bbattack${randomUUID().slice(0, 8)}`;
const TOKEN = `ghs_${randomUUID().replace(/-/g, '')}ATTACK`;
const WEBHOOK_SECRET = `whsec-${randomUUID()}`;
const { privateKey: PRIVATE_KEY } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});
const KEY_LINE = PRIVATE_KEY.split('\n')[5];
const SECRETS = [TOKEN, WEBHOOK_SECRET, KEY_LINE];

const keyDir = tempDir('bumpbench-attack-key-');
const keyPath = path.join(keyDir, 'app.pem');
writeFileSync(keyPath, PRIVATE_KEY);
chmodSync(keyPath, 0o600);
const dataDir = tempDir('bumpbench-attack-data-');
const cwd = tempDir('bumpbench-attack-cwd-');

// The listener the attacker tries to reach: it records every connection and every byte.
let listener: Server;
let connections = 0;
let received = '';
let github: FakeGitHub;
let serve: ServeProcess;
let repoDir: string;

function config(listenerPort: number): string {
  return `install: node attack.cjs install
start: node attack.cjs serve
ready: /
pinCpus: false
env:
  ATTACK_MARKER: ${MARKER}
  ATTACK_KEY_PATH: ${keyPath}
  ATTACK_DATA_DIR: ${dataDir}
  ATTACK_LISTENER: http://127.0.0.1:${listenerPort}/loot
repeats: { min: 3, max: 3 }
hints: false
scenarios:
  - name: home
    path: /
    connections: 2
    duration: 500ms
    warmup: 100ms
`;
}

/**
 * Files under dir (a few levels) named with the marker (planted by the attacker) or holding a secret. The
 * marker in content is not searched: the repo's own config (in the queue, in git objects) carries it.
 */
function tainted(dir: string, depth = 5): string[] {
  const found: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory() && depth > 0) found.push(...tainted(full, depth - 1));
    else if (e.isFile()) {
      if (e.name.includes(MARKER)) {
        found.push(full);
        continue;
      }
      if (statSync(full).size > 5_000_000) continue;
      const text = readFileSync(full, 'latin1');
      if (SECRETS.some((s) => text.includes(s))) found.push(full);
    }
  }
  return found;
}

/** Live processes whose command line carries the marker (the attacker's daemon, or a server). */
function markedProcesses(): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(MARKER)) pids.push(Number(pid));
    } catch {
      /* gone */
    }
  }
  return pids;
}

const supported = sandboxSupport();

beforeAll(async () => {
  listener = createServer((req, res) => {
    req.on('data', (d) => (received += d));
    req.on('end', () => res.end('thanks'));
  });
  listener.on('connection', (socket) => {
    connections += 1;
    socket.on('data', (d) => (received += d));
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const listenerPort = (listener.address() as AddressInfo).port;
  const attack = readFileSync(new URL('../fixtures/attacker/attack.cjs', import.meta.url), 'utf8');
  repoDir = createRepo({ 'attack.cjs': attack, '.github/bumpbench.yml': config(listenerPort) });
  const baseSha = git(repoDir, 'rev-parse', 'main');
  const headSha = commitOnBranch(repoDir, 'bump-lib', { 'CHANGELOG.md': 'bump\n' }, 'Bump lib from 1.0.0 to 1.1.0');
  github = await startFakeGitHub({ owner: 'Codertocat', name: 'Hello-World', repoDir, config: config(listenerPort), baseSha, headSha, token: TOKEN });
  serve = await startServe({
    dataDir, cwd, githubPort: github.port,
    env: { APP_ID: '1', PRIVATE_KEY_PATH: keyPath, WEBHOOK_SECRET },
  });
}, 90_000);

afterAll(async () => {
  if (serve) await stopServe(serve, 'SIGTERM');
  for (const pid of [...serverPidsUnder(dataDir), ...markedProcesses()]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await github?.close();
  await new Promise((resolve) => listener?.close(resolve));
});

describe.runIf(supported.ok)('a hostile pull request against the sandbox', () => {
  it('gets nothing out, changes nothing shared, leaves nothing running, and the compare still completes', async () => {
    const repository = { id: 1, name: 'Hello-World', full_name: 'Codertocat/Hello-World', owner: { login: 'Codertocat', type: 'User' }, private: false };
    const payload = {
      action: 'labeled', number: 2, pull_request: github.pullRequest(), label: { name: 'benchmark' },
      repository, installation: { id: 1 }, sender: { login: 'maintainer', type: 'User' },
    };
    expect(await sendWebhook(serve, 'pull_request', payload, WEBHOOK_SECRET)).toBe(200);
    await until(() => github.checkRunIds.length > 0, 'the check run', 30_000);
    const [checkId] = github.checkRunIds;
    await until(() => github.completedFor(checkId) !== undefined, 'the compare to complete', 300_000);

    // The compare completed with a verdict (the attack did not stop it) and was reported.
    const done = github.completedFor(checkId)!;
    expect(done.body.output.summary, done.body.output.summary).toContain('## bumpbench');
    expect(done.body.output.title).not.toMatch(/error|failed to run/i);
    await until(() => github.comments.length === 1, 'the sticky comment', 30_000);

    // The App is alive: the attacker could not signal it.
    expect(serve.child.exitCode).toBeNull();
    expect(serve.child.signalCode).toBeNull();

    // Nothing reached the listener on the host's loopback: not a connection, let alone a secret.
    expect(connections).toBe(0);
    for (const secret of SECRETS) expect(received).not.toContain(secret);

    // Nothing was left on the host in the shared temp dirs, and the cache and mirror are untouched.
    for (const dir of ['/tmp', '/var/tmp', '/dev/shm']) {
      expect(readdirSync(dir).filter((f) => f.includes(MARKER)), dir).toEqual([]);
    }
    expect(tainted(path.join(dataDir, 'cache'))).toEqual([]);
    const mirrors = readdirSync(path.join(dataDir, 'cache', 'repos'));
    expect(mirrors.length).toBe(1);
    const mirror = path.join(dataDir, 'cache', 'repos', mirrors[0]);
    expect(existsSync(path.join(mirror, 'hooks', 'post-checkout'))).toBe(false);
    expect(readFileSync(path.join(mirror, 'config'), 'utf8')).not.toContain(MARKER);
    expect(existsSync(path.join(repoDir, '.git', 'hooks', 'pre-commit'))).toBe(false);
    // No secret anywhere in the data dir (queue, results, logs) either.
    expect(tainted(dataDir)).toEqual([]);

    // No process of the job is alive: not its servers, not the setsid daemon it started.
    expect(markedProcesses()).toEqual([]);
    expect(serverPidsUnder(dataDir)).toEqual([]);

    // The attacker did run (so the test could have failed): its servers answered every request.
    expect(done.body.output.summary).toMatch(/home/);
    expect(serve.output()).not.toContain(KEY_LINE);
  }, 400_000);
});

describe.runIf(!supported.ok)('a hostile pull request against the sandbox (no sandbox here)', () => {
  it('cannot run: the sandbox is missing', () => {
    throw new Error(`the sandbox does not work on this machine, so the trust boundary cannot be tested: ${supported.reason}`);
  });
});
