// The hooks in real servers, in the job's sandbox, making real loopback calls. The upstreams they call
// (plain HTTP, and TLS with a self-signed certificate) are started by the app itself: inside the sandbox
// a server's loopback is the job's own network namespace, so nothing outside it could answer. Each app
// has a package under node_modules / site-packages that makes the calls and burns the CPU, so the tests
// see attribution as a real install would give it. Base and head differ only in that package: head's
// makes one more call per request (to a "region" endpoint, like cloudsig 1.6.0) and burns twice the CPU.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoadGenerator, type LoadGenerator } from '../../src/bench/index.ts';
import { parseConfigText } from '../../src/config/load.ts';
import {
  PackageNames, countedBuckets, outboundHints, readObservation, samplesFromPython, samplesFromV8, type AttributedSample, type ProcessObservation,
} from '../../src/hints/index.ts';
import { childEnvFor } from '../../src/pipeline/child-env.ts';
import { startSideServer } from '../../src/pipeline/measure-sample.ts';
import { observeDir, observeExtras, orderHooks, waitForHooks } from '../../src/pipeline/observe-run.ts';
import { observeSide, type SideRun } from '../../src/pipeline/observe-sides.ts';
import type { PreparedSide } from '../../src/pipeline/prepare-side.ts';
import { DEFAULT_LIMITS, Sandbox } from '../../src/sandbox/sandbox.ts';
import { sandboxSupport } from '../../src/sandbox/support.ts';
import { tempDir, writeFiles } from '../helpers/git-repo.ts';
import { serverPidsUnder } from '../helpers/processes.ts';

const support = sandboxSupport();
const root = tempDir('bumpbench-hooks-');
const TLS_DIR = path.resolve(import.meta.dirname, '../fixtures/tls');

const NODE_KIT = (extra: boolean) => `'use strict';
const http = require('node:http');
const https = require('node:https');
const keepAlive = new http.Agent({ keepAlive: true });
function get(url, options = {}) {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    mod.get(url, options, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
}
exports.item = async (port, id) => {
  await get('http://127.0.0.1:' + port + '/items/' + id, { agent: keepAlive });
  ${extra ? "await get('http://127.0.0.1:' + port + '/latest/region', { agent: keepAlive });" : ''}
};
exports.viaFetch = async (port) => { await (await fetch('http://localhost:' + port + '/fetched')).text(); };
// A fresh connection each time (no keep-alive): one TLS handshake per request.
exports.secure = (port) => get('https://localhost:' + port + '/secure', { rejectUnauthorized: false, agent: false });
const kept = [];
// An array of 256 numbers: a kilobyte or two of JavaScript heap (a repeated string would be a few shared cons cells).
class CacheEntry { constructor(id) { this.id = id; this.payload = new Array(256).fill(id); } }
exports.remember = (id) => { kept.push(new CacheEntry(id)); };
exports.burn = (ms) => { const end = process.hrtime.bigint() + BigInt(${extra ? 2 : 1} * ms * 1e6); let x = 0; while (process.hrtime.bigint() < end) x++; return x; };
`;

const NODE_SERVER = `import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import kit from 'egress-kit';
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const upstream = await listen(http.createServer((req, res) => res.end('up ' + req.url)));
const secure = await listen(https.createServer({ key: readFileSync('key.pem'), cert: readFileSync('cert.pem') }, (req, res) => res.end('secure')));
let n = 0;
http.createServer(async (req, res) => {
  try {
    if (req.url === '/health') return res.end('ok');
    if (req.url === '/items') await kit.item(upstream, n++);
    else if (req.url === '/fetch') await kit.viaFetch(upstream);
    else if (req.url === '/tls') await kit.secure(secure);
    else if (req.url === '/burn') kit.burn(5);
    else if (req.url === '/leak') kit.remember(n++);
    res.end('done');
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
}).listen(Number(process.env.PORT), process.env.HOST);
`;

const PY_KIT = (extra: boolean) => `"""Makes the app's outbound calls and burns its CPU (a stand-in for an SDK)."""
import http.client
import ssl
import time

_INSECURE = ssl.create_default_context()
_INSECURE.check_hostname = False
_INSECURE.verify_mode = ssl.CERT_NONE


def _get(connection, path):
    try:
        connection.request("GET", path)
        connection.getresponse().read()
    finally:
        connection.close()


def item(port, ident):
    _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/items/%d" % ident)
    ${extra ? '_get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/latest/region")' : 'pass'}


def by_name(port):
    # "localhost" is a name: getaddrinfo resolves it (a DNS lookup, as far as the app knows).
    _get(http.client.HTTPConnection("localhost", port, timeout=5), "/named")


def secure(port):
    _get(http.client.HTTPSConnection("localhost", port, timeout=5, context=_INSECURE), "/secure")


_KEPT = []


class CacheEntry:
    def __init__(self, ident):
        self.ident = ident
        self.payload = "x" * 2048 + str(ident)


def remember(ident):
    _KEPT.append(CacheEntry(ident))


def burn(ms):
    end = time.perf_counter() + ${extra ? 2 : 1} * ms / 1000.0
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x
`;

const PY_SERVER = `import itertools, os, ssl, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor", "site-packages"))
import egresskit


class Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def reply(self, body):
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply("up")

    def log_message(self, *args):
        pass


def serve(tls=False):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    server.daemon_threads = True
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain("cert.pem", "key.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_port


UPSTREAM, SECURE = serve(), serve(tls=True)
COUNTER = itertools.count()


class App(Quiet):
    def do_GET(self):
        if self.path == "/health":
            return self.reply("ok")
        if self.path == "/items":
            egresskit.item(UPSTREAM, next(COUNTER))
        elif self.path == "/fetch":
            egresskit.by_name(UPSTREAM)
        elif self.path == "/tls":
            egresskit.secure(SECURE)
        elif self.path == "/burn":
            egresskit.burn(5)
        elif self.path == "/leak":
            egresskit.remember(next(COUNTER))
        self.reply("done")


server = ThreadingHTTPServer((os.environ["HOST"], int(os.environ["PORT"])), App)
server.daemon_threads = True
server.serve_forever(poll_interval=0.2)
`;

const scenarios = ['items', 'fetch', 'tls', 'burn', 'plain']
  .map((name) => `  - { name: ${name}, path: /${name}, connections: 2, duration: 1200ms, warmup: 300ms }`)
  .join('\n');

function prepared(dir: string, label: string, start: string, sandbox: Sandbox): { side: PreparedSide; start: string } {
  const config = parseConfigText(`start: ${start}\nready: /health\nscenarios:\n${scenarios}\n`, 'test');
  const env = childEnvFor(dir, config);
  return {
    start,
    side: {
      label, sha: '0'.repeat(40), worktree: dir, projectDir: dir, configName: '.github/bumpbench.yml', env, serverEnv: () => env, sandbox, readOnly: [], runtimes: [], services: null,
      install: { cached: true, key: 'none', seconds: 0, entry: null },
    },
  };
}

let sandbox: Sandbox;
let load: LoadGenerator;

beforeAll(async () => {
  if (!support.ok) return;
  sandbox = new Sandbox({ enabled: true, scratchDir: path.join(root, 'scratch'), network: 'loopback', allowHosts: [], readOnly: [], limits: DEFAULT_LIMITS });
  load = await createLoadGenerator({ enter: await sandbox.networkPrefix() });
});

afterAll(async () => {
  await load?.close();
  await sandbox?.close();
  expect(serverPidsUnder(root)).toEqual([]);
});

/** Write an app for one side and run its observe run. */
async function observe(runtime: 'node' | 'python', side: 'base' | 'head'): Promise<SideRun & { projectDir: string }> {
  const dir = path.join(root, runtime, side);
  const head = side === 'head';
  writeFiles(
    dir,
    runtime === 'node'
      ? { 'server.mjs': NODE_SERVER, 'node_modules/egress-kit/package.json': '{"name":"egress-kit","version":"1.0.0","main":"index.js"}', 'node_modules/egress-kit/index.js': NODE_KIT(head) }
      : { 'server.py': PY_SERVER, 'vendor/site-packages/egresskit/__init__.py': PY_KIT(head) },
  );
  copyFileSync(path.join(TLS_DIR, 'localhost-key.pem'), path.join(dir, 'key.pem'));
  copyFileSync(path.join(TLS_DIR, 'localhost-cert.pem'), path.join(dir, 'cert.pem'));
  await sandbox.handOver(dir);
  const { side: prep, start } = prepared(dir, side, runtime === 'node' ? 'node server.mjs' : 'python3 server.py', sandbox);
  const config = parseConfigText(`start: ${start}\nready: /health\nscenarios:\n${scenarios}\n`, 'test');
  const run = await observeSide(prep, side, { config, scenarios: config.scenarios, load, workDir: path.join(root, runtime, `observe-${side}`) });
  return { ...run, projectDir: dir };
}

/** Calls of `kind` per response in a scenario, over its counted buckets. */
function perRequest(run: SideRun, scenario: string, match: (k: NonNullable<ProcessObservation['outbound']>['keys'][number]) => boolean): number {
  const s = run.scenarios.find((x) => x.scenario === scenario)!;
  const buckets = countedBuckets(s);
  const responses = buckets.reduce((a, b) => a + (s.completions.get(b) ?? 0), 0);
  let calls = 0;
  for (const p of run.processes) {
    for (const key of p.outbound?.keys ?? []) {
      if (!match(key)) continue;
      for (const [b, n] of key.buckets) if (buckets.includes(b)) calls += n;
    }
  }
  return calls / responses;
}

function cpuShare(run: SideRun & { projectDir: string }, scenario: string, owner: string): number {
  const s = run.scenarios.find((x) => x.scenario === scenario)!;
  const buckets = new Set(countedBuckets(s));
  const samples: AttributedSample[] = run.processes.flatMap((p) =>
    p.cpuprofile ? samplesFromV8(p.cpuprofile.profile, 100, run.projectDir) : p.pyprofile ? samplesFromPython(p.pyprofile, run.projectDir) : [],
  );
  const inRun = samples.filter((x) => buckets.has(x.bucket));
  const total = inRun.reduce((a, x) => a + x.us, 0);
  return inRun.filter((x) => x.owner === owner).reduce((a, x) => a + x.us, 0) / total;
}

for (const runtime of ['node', 'python'] as const) {
  const pkg = runtime === 'node' ? 'egress-kit' : 'egresskit';
  describe.runIf(support.ok)(`the ${runtime} hook in a sandboxed server`, () => {
    let base: SideRun & { projectDir: string };
    let head: SideRun & { projectDir: string };

    beforeAll(async () => {
      base = await observe(runtime, 'base');
      head = await observe(runtime, 'head');
    }, 120_000);

    it('reports from the server process, and finished its report on stop', () => {
      expect(base.notes).toEqual([]);
      const main = base.processes.find((p) => p.outbound || p.cpuprofile || p.pyprofile)!;
      expect(main).toMatchObject({ runtime, done: true, problems: [] });
    });

    it('counts each HTTP request per served request, with the package and line that made it, ids collapsed', () => {
      const items = (k: { kind: string; path: string | null; package: string | null }) => k.kind === 'http' && k.path === '/items/{n}' && k.package === pkg;
      expect(perRequest(base, 'items', items)).toBeGreaterThan(0.9);
      expect(perRequest(base, 'items', items)).toBeLessThan(1.1);
      const key = base.processes.flatMap((p) => p.outbound?.keys ?? []).find(items)!;
      expect(key.method).toBe('GET');
      expect(key.host).toBe('127.0.0.1');
      expect(key.site).toMatch(runtime === 'node' ? /^egress-kit\/index\.js:\d+$/ : /^egresskit\/__init__\.py:\d+$/);
      // Nothing else makes calls in /plain.
      expect(perRequest(base, 'plain', () => true)).toBe(0);
    });

    it('sees TCP connects, DNS lookups of a name, and TLS handshakes', () => {
      const tcp = perRequest(base, 'fetch', (k) => k.kind === 'tcp' && k.package === pkg);
      const dns = perRequest(base, 'fetch', (k) => k.kind === 'dns' && k.host === 'localhost' && k.package === pkg);
      const tls = perRequest(base, 'tls', (k) => k.kind === 'tls' && k.host === 'localhost' && k.package === pkg);
      // Python connects and resolves for every request; Node's fetch keeps its connection (and lookup) alive.
      if (runtime === 'python') {
        expect(tcp).toBeGreaterThan(0.9);
        expect(dns).toBeGreaterThan(0.9);
      } else {
        expect(perRequest(base, 'fetch', (k) => k.kind === 'http' && k.path === '/fetched' && k.package === pkg)).toBeGreaterThan(0.9);
        expect(base.processes.flatMap((p) => p.outbound?.keys ?? []).some((k) => k.kind === 'dns' && k.host === 'localhost' && k.package === pkg)).toBe(true);
      }
      expect(tls).toBeGreaterThan(0.9);
      expect(tls).toBeLessThan(1.1);
    });

    it('attributes the CPU the package burns to it', () => {
      expect(cpuShare(base, 'burn', pkg)).toBeGreaterThan(0.5);
      expect(cpuShare(base, 'plain', pkg)).toBeLessThan(0.05);
    });

    it('memory mode: live allocations by site since mem-start, and live objects by type at mem-end', async () => {
      const dir = path.join(root, runtime, 'head');
      const { side: prep, start } = prepared(dir, 'head', runtime === 'node' ? 'node server.mjs' : 'python3 server.py', sandbox);
      const config = parseConfigText(`start: ${start}\nready: /health\nscenarios:\n  - { name: leak, path: /leak, connections: 2, duration: 1s, warmup: 0 }\n`, 'test');
      const hooks = await observeDir(prep, path.join(root, runtime, 'observe-memory'));
      const server = await startSideServer(prep, config, 'memory', undefined, observeExtras(prep, hooks, ['memory']));
      try {
        await orderHooks(hooks, 'mem-start');
        await new Promise((r) => setTimeout(r, 300));
        const run = await load.run(server.url, config.scenarios[0]);
        expect(run.requests).toBeGreaterThan(200);
        await orderHooks(hooks, 'mem-end');
        expect(await waitForHooks(hooks, 'mem-done', 60_000, { running: () => !server.exited })).toBe(0);
        const [proc] = (await readObservation(hooks)).filter((p) => p.heapEnd);
        const site = proc.heapEnd!.sites.find((s) => s.package === pkg)!;
        // Each request keeps an entry of a kilobyte or two (its exact size is the runtime's layout): the
        // package's site holds most of what was allocated since mem-start and is still alive (the rest is
        // the server's own per-connection state, charged to no package).
        const all = proc.heapEnd!.sites.reduce((a, s) => a + s.bytes, 0);
        expect(site.bytes).toBeGreaterThan(500 * run.requests);
        expect(site.bytes).toBeGreaterThan(0.5 * all);
        expect(site.site).toMatch(runtime === 'node' ? /^egress-kit\/index\.js:\d+$/ : /^egresskit\/__init__\.py:\d+$/);
        const entries = proc.heapEnd!.constructors.find((c) => c.name === 'CacheEntry')!;
        expect(entries.count).toBeGreaterThanOrEqual(run.requests);
      } finally {
        await server.stop();
      }
    });

    it('head against base: one outbound hint, for the new call, on its scenario only', () => {
      const names = new PackageNames([{ ecosystem: runtime === 'node' ? 'npm' : 'pypi', name: pkg, from: '1.0.0', to: '2.0.0' }]);
      const hints = outboundHints(base, head, { names, ephemeralPorts: [32768, 60999] });
      expect(hints).toHaveLength(1);
      expect(hints[0]).toMatchObject({ kind: 'outbound', package: pkg, changed: true, scenario: 'items', base: 0 });
      expect(hints[0].head).toBeGreaterThan(0.9);
      expect(hints[0].head).toBeLessThan(1.1);
      expect(hints[0].detail).toContain('`GET 127.0.0.1:*/latest/region`');
    });
  });
}
