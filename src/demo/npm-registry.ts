// A throwaway local npm registry (verdaccio) that serves the example libraries, so the demo and the
// integration tests install real packages through real npm without touching the public registry.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { EXAMPLE_SCOPE, buildRelease, loadExamplePackages, type ExamplePackage } from './example-packages.ts';

export interface LocalNpmRegistry {
  /** e.g. "http://127.0.0.1:41234" (no trailing slash). */
  url: string;
  /** Pid of the verdaccio process, which leads its own process group. */
  pid: number;
  /** Where the packages are stored (kept after stop() only when the caller passed it). */
  storageDir: string;
  /** Stops verdaccio (SIGTERM to its group, SIGKILL after a grace period) and removes the temp files. */
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Reuse a storage folder across runs (publishing then has nothing to do). Default: a temp folder. */
  storageDir?: string;
  /** How long to wait for verdaccio to answer /-/ping. Default 30 s. */
  readyTimeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function verdaccioBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('verdaccio/package.json')), 'bin', 'verdaccio');
}

/** A port the kernel says is free on 127.0.0.1. It may be taken before verdaccio binds it: we retry. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/**
 * Verdaccio's config: no uplinks at all (a missing example package must fail, never be fetched from
 * npmjs.org), anonymous read and publish for the example scope only, registration closed, no web UI.
 */
function verdaccioConfig(storageDir: string, configDir: string): string {
  return toYaml({
    storage: storageDir,
    plugins: join(configDir, 'plugins'),
    auth: { htpasswd: { file: join(configDir, 'htpasswd'), max_users: -1 } },
    uplinks: {},
    packages: {
      [`${EXAMPLE_SCOPE}/*`]: { access: '$all', publish: '$all', unpublish: '$all' },
      '**': { access: '$all' },
    },
    web: { enable: false },
    log: { type: 'stdout', format: 'pretty', level: 'warn' },
  });
}

async function pingOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ping`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  signalGroup(pid, 'SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    signalGroup(pid, 'SIGKILL');
    await Promise.race([exited, sleep(5_000)]);
  }
  // Children verdaccio may have forked are in the same group: make sure none is left.
  signalGroup(pid, 'SIGKILL');
}

/** Starts verdaccio on 127.0.0.1 and a free port, and resolves once it answers /-/ping. */
export async function startLocalNpmRegistry(opts: StartRegistryOptions = {}): Promise<LocalNpmRegistry> {
  const configDir = await mkdtemp(join(tmpdir(), 'bumpbench-verdaccio-'));
  const storageDir = opts.storageDir ?? join(configDir, 'storage');
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  try {
    await mkdir(storageDir, { recursive: true });
    await mkdir(join(configDir, 'plugins'), { recursive: true });
    const configFile = join(configDir, 'config.yaml');
    await writeFile(configFile, verdaccioConfig(storageDir, configDir));

    let lastError = '';
    // A port found free can be taken before verdaccio binds it: a few attempts, each with a new port.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const port = await freeLoopbackPort();
      const url = `http://127.0.0.1:${port}`;
      const child = spawn(process.execPath, [verdaccioBin(), '--config', configFile, '--listen', `127.0.0.1:${port}`], {
        cwd: configDir,
        detached: true, // its own process group, so stop() reaches anything it forks
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_ENV: 'production' },
      });
      let output = '';
      const keep = (chunk: Buffer): void => {
        output = (output + chunk.toString('utf8')).slice(-8_000);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

      const deadline = Date.now() + readyTimeoutMs;
      let ready = false;
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) break;
        if (await pingOk(url)) {
          ready = true;
          break;
        }
        const failed = await Promise.race([spawnError, sleep(100).then(() => null)]);
        if (failed !== null) {
          lastError = failed.message;
          break;
        }
      }
      if (ready && child.pid !== undefined) {
        const pid = child.pid;
        // verdaccio runs in its own group, so it would not see our Ctrl-C: if we exit without stop()
        // (an uncaught error, process.exit), take it down with us.
        const killOnExit = (): void => {
          signalGroup(pid, 'SIGKILL');
          rmSync(configDir, { recursive: true, force: true });
        };
        process.once('exit', killOnExit);
        let stopped: Promise<void> | undefined;
        return {
          url,
          pid,
          storageDir,
          stop: () => {
            stopped ??= (async () => {
              await stopProcess(child, 3_000);
              process.removeListener('exit', killOnExit);
              // The config folder holds the storage only when the caller did not provide one.
              await rm(configDir, { recursive: true, force: true });
            })();
            return stopped;
          },
        };
      }
      await stopProcess(child, 1_000);
      lastError = output.trim().split('\n').slice(-5).join('\n') || lastError || `verdaccio did not answer ${url}/-/ping in ${readyTimeoutMs} ms`;
      if (Date.now() >= deadline) break;
    }
    throw new Error(`could not start the local npm registry (verdaccio): ${lastError}`);
  } catch (error) {
    await rm(configDir, { recursive: true, force: true });
    throw error;
  }
}

export interface PublishOptions {
  /** Default: examples/npm-packages of this checkout. */
  packagesDir?: string;
  /** Only these package names (default: every example package). */
  only?: string[];
  /** Packages published at the same time; releases of one package go one after the other. Default 4. */
  concurrency?: number;
}

export interface PublishResult {
  /** "name@version" of each release published by this call. */
  published: string[];
  /** "name@version" of each release that was already in the registry. */
  skipped: string[];
}

/** npm's escaping of a scoped name in registry URLs: "@scope%2fname". */
function escapedName(name: string): string {
  return name.replace('/', '%2f');
}

async function publishedVersions(registryUrl: string, name: string): Promise<Set<string>> {
  const response = await fetch(`${registryUrl}/${escapedName(name)}`, { headers: { accept: 'application/json' } });
  if (response.status === 404) {
    await response.body?.cancel();
    return new Set();
  }
  if (!response.ok) throw new Error(`GET ${name} from ${registryUrl}: HTTP ${response.status} ${await response.text()}`);
  const packument = (await response.json()) as { versions?: Record<string, unknown> };
  return new Set(Object.keys(packument.versions ?? {}));
}

/**
 * Publishes one release the way `npm publish` does: one PUT of a packument holding the single new
 * version and its tarball as a base64 attachment. A deprecated release carries its `deprecated` message
 * in the version manifest, as `npm deprecate` leaves it.
 */
async function publishRelease(registryUrl: string, pkg: ExamplePackage, version: string): Promise<void> {
  const built = await buildRelease(pkg, version);
  const versionManifest = {
    ...built.manifest,
    _id: `${built.name}@${built.version}`,
    ...(built.deprecated !== undefined ? { deprecated: built.deprecated } : {}),
    dist: {
      integrity: built.integrity,
      shasum: built.shasum,
      tarball: `${registryUrl}/${built.name}/-/${built.tarballName}`,
    },
  };
  const body = {
    _id: built.name,
    name: built.name,
    description: pkg.description,
    'dist-tags': { [built.tag]: built.version },
    versions: { [built.version]: versionManifest },
    access: null,
    _attachments: {
      [built.tarballName]: {
        content_type: 'application/octet-stream',
        data: built.tarball.toString('base64'),
        length: built.tarball.length,
      },
    },
  };
  const response = await fetch(`${registryUrl}/${escapedName(built.name)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`publishing ${built.name}@${built.version} to ${registryUrl}: HTTP ${response.status} ${await response.text()}`);
  }
  await response.body?.cancel();
}

/**
 * Publishes every release of every example package that the registry does not have yet, in release
 * order (so `latest` ends on the newest stable release). Calling it again on the same storage publishes
 * nothing.
 */
export async function publishExamplePackages(registryUrl: string, opts: PublishOptions = {}): Promise<PublishResult> {
  const base = registryUrl.replace(/\/+$/, '');
  const all = await loadExamplePackages(opts.packagesDir);
  const packages = opts.only === undefined ? all : all.filter((p) => opts.only?.includes(p.name));
  const missing = (opts.only ?? []).filter((name) => !all.some((p) => p.name === name));
  if (missing.length > 0) throw new Error(`no example package named ${missing.join(', ')}`);

  const result: PublishResult = { published: [], skipped: [] };
  const queue = [...packages];
  const worker = async (): Promise<void> => {
    for (let pkg = queue.shift(); pkg !== undefined; pkg = queue.shift()) {
      const existing = await publishedVersions(base, pkg.name);
      for (const release of pkg.releases) {
        const id = `${pkg.name}@${release.version}`;
        if (existing.has(release.version)) {
          result.skipped.push(id);
          continue;
        }
        await publishRelease(base, pkg, release.version);
        result.published.push(id);
      }
    }
  };
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  await Promise.all(Array.from({ length: Math.min(concurrency, packages.length) }, worker));
  return result;
}
