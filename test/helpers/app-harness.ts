// What the end-to-end tests of the App share: App credentials for the fake GitHub, a data dir, `bumpbench
// serve` started and stopped as a child process, and what is left behind (servers, worktrees, queue rows).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServe, stopServe, type FakeGitHub, type ServeProcess } from './fake-github.ts';
import { tempDir } from './git-repo.ts';
import { serverPidsUnder } from './processes.ts';

export const WEBHOOK_SECRET = `whsec-${randomUUID()}`;
export const TOKEN = `ghs_${randomUUID().replace(/-/g, '')}E2E`;
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});
export const PRIVATE_KEY = privateKey;

export interface Harness {
  dataDir: string;
  serves: ServeProcess[];
  start(opts?: { args?: string[]; env?: Record<string, string> }): Promise<ServeProcess>;
  /** Signal serve and wait for it to exit: its exit code and how long it took. */
  stop(serve: ServeProcess, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** Every serve's output so far, for failure messages. */
  output(): string;
  /** Kill whatever is left (servers a SIGKILLed serve left behind): for afterAll. */
  cleanup(): Promise<void>;
}

export function appHarness(github: () => FakeGitHub, prefix: string): Harness {
  const dataDir = tempDir(`${prefix}-data-`);
  const cwd = tempDir(`${prefix}-cwd-`); // no .env, no package.json: only the environment we pass counts
  const serves: ServeProcess[] = [];
  return {
    dataDir,
    serves,
    async start(opts = {}) {
      const serve = await startServe({
        dataDir, cwd, githubPort: github().port, args: opts.args,
        env: { APP_ID: '1', PRIVATE_KEY, WEBHOOK_SECRET, ...opts.env },
      });
      serves.push(serve);
      return serve;
    },
    async stop(serve, signal) {
      const started = Date.now();
      const exited = new Promise<void>((resolve) => {
        if (serve.child.exitCode !== null || serve.child.signalCode !== null) resolve();
        else serve.child.once('exit', () => resolve());
      });
      await stopServe(serve, signal);
      await exited;
      return { code: serve.child.exitCode, signal: serve.child.signalCode, ms: Date.now() - started };
    },
    output: () => serves.map((s, i) => `--- serve ${i + 1}\n${s.output()}`).join('\n'),
    async cleanup() {
      for (const serve of serves) await stopServe(serve, 'SIGKILL');
      for (const pid of serverPidsUnder(dataDir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    },
  };
}

/** A job row of the queue, read the way another process would. */
export function queueRow(dataDir: string, id: number): { state: string; attempts: number; error: string | null; worker: string | null } {
  const db = new Database(path.join(dataDir, 'queue.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT state, attempts, error, worker FROM jobs WHERE id = ?').get(id) as never;
  } finally {
    db.close();
  }
}

/** Job directories left under <data dir>/work and worktrees the mirrors still list. */
export function leftovers(dataDir: string): { jobDirs: string[]; worktrees: string[] } {
  const work = path.join(dataDir, 'work');
  const jobDirs = existsSync(work) ? readdirSync(work) : [];
  const repos = path.join(dataDir, 'cache', 'repos');
  const worktrees: string[] = [];
  for (const mirror of existsSync(repos) ? readdirSync(repos) : []) {
    const list = execFileSync('git', ['-C', path.join(repos, mirror), 'worktree', 'list', '--porcelain'], { encoding: 'utf8' });
    worktrees.push(...list.split('\n').filter((l) => l.startsWith('worktree ')).slice(1));
  }
  return { jobDirs, worktrees };
}

/** The pino lines of a serve's output that parse as JSON. */
export function logLines(output: string): Record<string, any>[] {
  return output.split('\n').flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as unknown;
      return parsed && typeof parsed === 'object' ? [parsed as Record<string, any>] : [];
    } catch {
      return [];
    }
  });
}
