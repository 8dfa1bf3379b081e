// Loaded with `--require` (through NODE_OPTIONS) into the Node processes of an observe run's server, and
// never into a measured one. It watches what the app does without changing it:
// - outbound: every DNS lookup, TCP connect, TLS handshake and HTTP request (http, https, fetch), with
//   the package whose code issued it, counted per 100 ms bucket of the monotonic clock the load generator
//   also counts responses by;
// - cpu: a sampling CPU profile (the inspector's profiler) of the whole run;
// - memory (soaks): the sampling heap profiler's live allocations by call stack between two moments the
//   orchestrator names, and a heap summary by constructor at the second.
// It writes into BUMPBENCH_OBSERVE_DIR (a directory the sandbox lets it write) and takes its orders from
// files the orchestrator creates there (`stop`, `mem-start`, `mem-end`). CommonJS, no dependencies: it
// runs before the app, in whatever Node the app runs on. Nothing here may throw into the app.
'use strict';

const OUT = process.env.BUMPBENCH_OBSERVE_DIR;
const { isMainThread } = require('node:worker_threads');

// Worker threads share the pid (their files would collide) and rarely talk to the network; only the main thread reports.
if (OUT && isMainThread) {
  try {
    start();
  } catch (err) {
    try {
      require('node:fs').writeFileSync(require('node:path').join(OUT, `${process.pid}.error`), String((err && err.stack) || err));
    } catch {
      /* nowhere to say it */
    }
  }
}

function start() {
  const fs = require('node:fs');
  const path = require('node:path');
  const url = require('node:url');
  const modes = new Set((process.env.BUMPBENCH_OBSERVE || 'outbound,cpu').split(','));
  const bucketMs = Number(process.env.BUMPBENCH_OBSERVE_BUCKET_MS) || 100;
  const cpuIntervalUs = Number(process.env.BUMPBENCH_OBSERVE_CPU_US) || 1000;
  const MAX_KEYS = 2000;
  const pid = process.pid;
  const file = (name) => path.join(OUT, `${pid}.${name}`);
  const monoMs = () => Number(process.hrtime.bigint() / 1000n) / 1000;

  /** Write whole files only: the orchestrator may read at any moment. */
  function writeAtomic(target, text) {
    const tmp = `${target}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, target);
  }

  writeAtomic(file('hello.json'), JSON.stringify({ pid, runtime: 'node', version: process.version, argv: process.argv.slice(1, 3), cwd: process.cwd(), modes: [...modes] }));

  // ---- who issued a call: the innermost frame outside the runtime and this file ----------------------
  const HOOK_FILE = __filename;

  function fileOf(site) {
    let name = site.getFileName();
    if (!name) return null;
    if (name.startsWith('file://')) {
      try {
        name = url.fileURLToPath(name);
      } catch {
        return null;
      }
    }
    if (!name.startsWith('/') || name === HOOK_FILE) return null;
    return name;
  }

  /** `node_modules/<pkg>` (or `@scope/pkg`): the last one in the path, so pnpm's `.pnpm/x@1/node_modules/x` reads right. */
  function packageOf(name) {
    const i = name.lastIndexOf('/node_modules/');
    if (i < 0) return null;
    const parts = name.slice(i + '/node_modules/'.length).split('/');
    const scoped = parts[0].startsWith('@');
    return { name: scoped ? `${parts[0]}/${parts[1]}` : parts[0], sub: parts.slice(scoped ? 2 : 1).join('/') };
  }

  function siteLabel(name, line, pkg) {
    if (pkg) return `${pkg.name}/${pkg.sub}:${line}`;
    const rel = path.relative(process.cwd(), name);
    return `${rel.startsWith('..') ? name : rel}:${line}`;
  }

  function callSites() {
    const prepare = Error.prepareStackTrace;
    const limit = Error.stackTraceLimit;
    try {
      Error.stackTraceLimit = 64;
      Error.prepareStackTrace = (_, sites) => sites;
      const holder = {};
      Error.captureStackTrace(holder, callSites);
      return Array.isArray(holder.stack) ? holder.stack : [];
    } finally {
      Error.prepareStackTrace = prepare;
      Error.stackTraceLimit = limit;
    }
  }

  /** The origin of the current synchronous call, or null when only the runtime is on the stack. */
  function originHere() {
    const sites = callSites();
    for (let i = 0; i < sites.length; i++) {
      const name = fileOf(sites[i]);
      if (!name) continue;
      const pkg = packageOf(name);
      const via = [];
      if (pkg) {
        // The packages further out, up to the app's own code: "follow-redirects via axios".
        for (let j = i + 1; j < sites.length && via.length < 4; j++) {
          const outer = fileOf(sites[j]);
          if (!outer) continue;
          const p = packageOf(outer);
          if (!p) break;
          if (p.name !== pkg.name && !via.includes(p.name)) via.push(p.name);
        }
      }
      return { package: pkg ? pkg.name : null, via, site: siteLabel(name, sites[i].getLineNumber(), pkg) };
    }
    return null;
  }

  const { AsyncLocalStorage } = require('node:async_hooks');
  const callers = new AsyncLocalStorage();
  const UNKNOWN = { package: null, via: [], site: null };

  /** The synchronous caller when there is one; else the one that started this asynchronous chain (fetch). */
  function origin() {
    return originHere() || callers.getStore() || UNKNOWN;
  }

  // ---- outbound counts ------------------------------------------------------------------------------
  const keys = new Map();
  let dirty = false;
  let overflow = 0;

  function templatePath(raw) {
    if (typeof raw !== 'string') return null;
    const q = raw.indexOf('?');
    const pathname = q < 0 ? raw : raw.slice(0, q);
    const query = q < 0 ? '' : raw.slice(q + 1);
    const segments = pathname.split('/').map((seg) => {
      if (seg === '' || /^v\d+$/i.test(seg)) return seg;
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(seg)) return '{uuid}';
      if (/^[0-9a-f]{16,}$/i.test(seg) && /\d/.test(seg)) return '{hex}';
      if (/^[A-Za-z0-9_-]{24,}$/.test(seg) && /\d/.test(seg)) return '{token}';
      return seg.replace(/\d+/g, '{n}');
    });
    const names = query ? query.split('&').filter(Boolean).map((kv) => `${kv.split('=')[0]}=…`) : [];
    return (segments.join('/') + (names.length ? `?${names.join('&')}` : '')).slice(0, 300);
  }

  function record(kind, host, port, method, rawPath, from) {
    try {
      const o = from || origin();
      const def = {
        kind,
        host: host == null ? null : String(host).slice(0, 255),
        port: port == null || port === '' ? null : Number(port),
        method: method || null,
        path: rawPath == null ? null : templatePath(rawPath),
        package: o.package,
        via: o.via,
        site: o.site,
      };
      const id = JSON.stringify(def);
      let entry = keys.get(id);
      if (!entry) {
        if (keys.size >= MAX_KEYS) {
          overflow++;
          return;
        }
        entry = { def, buckets: new Map() };
        keys.set(id, entry);
      }
      const bucket = Math.floor(monoMs() / bucketMs);
      entry.buckets.set(bucket, (entry.buckets.get(bucket) || 0) + 1);
      dirty = true;
    } catch {
      /* never into the app */
    }
  }

  function isIp(host) {
    return require('node:net').isIP(String(host)) !== 0;
  }

  function hostPortOf(value, defaultPort) {
    // "host:port", "[v6]:port" or a bare host.
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(value) || /^([^:]+)(?::(\d+))?$/.exec(value);
    return m ? { host: m[1], port: m[2] ? Number(m[2]) : defaultPort } : { host: value, port: defaultPort };
  }

  function flush() {
    if (!dirty) return;
    dirty = false;
    const out = { bucketMs, overflow, keys: [...keys.values()].map((e) => ({ ...e.def, buckets: [...e.buckets] })) };
    writeAtomic(file('outbound.json'), JSON.stringify(out));
  }

  if (modes.has('outbound')) {
    const net = require('node:net');
    const dns = require('node:dns');
    const tls = require('node:tls');
    const http = require('node:http');
    const https = require('node:https');
    const dc = require('node:diagnostics_channel');

    // TCP: every client socket's connect, with the destination it was asked for. (Node 20's
    // `net.client.socket` channel fires before the destination is known, so the method is wrapped.)
    const connect = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function observedConnect(...args) {
      try {
        const first = Array.isArray(args[0]) ? args[0][0] : args[0];
        const options = first !== null && typeof first === 'object' ? first : typeof first === 'string' && isNaN(Number(first)) ? { path: first } : { port: first, host: args[1] };
        if (options.path) record('tcp', `unix:${options.path}`, null, null, null);
        else record('tcp', options.host || 'localhost', options.port, null, null);
      } catch {
        /* never into the app */
      }
      return connect.apply(this, args);
    };

    // DNS: Node 20 has no channel for lookups; net and the app call dns.lookup through the module object.
    const lookup = dns.lookup;
    dns.lookup = function observedLookup(hostname, ...rest) {
      if (!isIp(hostname)) record('dns', hostname, null, null, null);
      return lookup.call(this, hostname, ...rest);
    };
    if (dns.promises && typeof dns.promises.lookup === 'function') {
      const lookupP = dns.promises.lookup;
      dns.promises.lookup = function observedLookupP(hostname, ...rest) {
        if (!isIp(hostname)) record('dns', hostname, null, null, null);
        return lookupP.call(this, hostname, ...rest);
      };
    }

    // TLS handshakes started by this process as a client.
    const tlsConnect = tls.connect;
    tls.connect = function observedTlsConnect(...args) {
      try {
        const o = args.find((a) => a !== null && typeof a === 'object') || {};
        const port = typeof args[0] === 'number' ? args[0] : o.port;
        const host = o.servername || o.host || (typeof args[1] === 'string' ? args[1] : 'localhost');
        record('tls', host, port || 443, null, null);
      } catch {
        /* never into the app */
      }
      return tlsConnect.apply(this, args);
    };

    // Channels are subscribed through channel objects (Node 15.1+), not dc.subscribe (18.7+): a project
    // may pin an older runtime. HTTP (http, https): the channel fires a tick after http.request returned,
    // so the caller is noted at the call and carried there by async context.
    for (const mod of [http, https]) {
      for (const name of ['request', 'get']) {
        const original = mod[name];
        mod[name] = function observedRequest(...args) {
          const o = originHere();
          return o ? callers.run(o, () => original.apply(this, args)) : original.apply(this, args);
        };
      }
    }
    dc.channel('http.client.request.start').subscribe(({ request }) => {
      try {
        const defaultPort = request.agent && request.agent.defaultPort ? request.agent.defaultPort : request.protocol === 'https:' ? 443 : 80;
        const { host, port } = hostPortOf(String(request.getHeader('host') || request.host || ''), defaultPort);
        record('http', request.host || host, port, request.method, request.path);
      } catch {
        /* never into the app */
      }
    });

    // fetch (undici): the request is created several promises after the call; the caller travels the same way.
    if (typeof globalThis.fetch === 'function') {
      const fetch = globalThis.fetch;
      globalThis.fetch = function observedFetch(...args) {
        const o = originHere();
        return o ? callers.run(o, () => fetch.apply(this, args)) : fetch.apply(this, args);
      };
    }
    dc.channel('undici:request:create').subscribe(({ request }) => {
      try {
        const target = new URL(request.origin);
        const port = target.port ? Number(target.port) : target.protocol === 'https:' ? 443 : 80;
        record('http', target.hostname, port, request.method, request.path);
      } catch {
        /* never into the app */
      }
    });

    const flusher = setInterval(() => {
      try {
        flush();
      } catch {
        /* the next tick tries again */
      }
    }, 250);
    flusher.unref();
  }

  // ---- CPU profile --------------------------------------------------------------------------------
  let session = null;
  function inspectorSession() {
    if (!session) {
      const { Session } = require('node:inspector');
      session = new Session();
      session.connect();
    }
    return session;
  }
  /** Inspector calls on an in-process session answer synchronously; this makes that explicit. */
  function post(method, params) {
    let result;
    let error;
    inspectorSession().post(method, params || {}, (err, res) => {
      error = err;
      result = res;
    });
    if (error) throw error;
    return result;
  }

  let profiling = false;
  if (modes.has('cpu')) {
    post('Profiler.enable');
    post('Profiler.setSamplingInterval', { interval: cpuIntervalUs });
    post('Profiler.start');
    profiling = true;
  }

  // ---- memory (soak) ------------------------------------------------------------------------------
  /** Live objects by constructor (heap snapshot node type and name): count and self size. */
  function heapSummary() {
    const v8 = require('node:v8');
    const tmp = file('heapsnapshot.tmp');
    v8.writeHeapSnapshot(tmp);
    let snapshot;
    try {
      snapshot = JSON.parse(fs.readFileSync(tmp, 'utf8'));
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    const fields = snapshot.snapshot.meta.node_fields;
    const types = snapshot.snapshot.meta.node_types[0];
    const width = fields.length;
    const at = { type: fields.indexOf('type'), name: fields.indexOf('name'), size: fields.indexOf('self_size') };
    const nodes = snapshot.nodes;
    const strings = snapshot.strings;
    const byName = new Map();
    for (let i = 0; i < nodes.length; i += width) {
      const type = types[nodes[i + at.type]];
      let name;
      if (type === 'object' || type === 'native' || type === 'closure') name = strings[nodes[i + at.name]];
      else if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(string)';
      else name = `(${type})`;
      const key = `${type}\u0000${name}`;
      const entry = byName.get(key) || { type, name, count: 0, bytes: 0 };
      entry.count++;
      entry.bytes += nodes[i + at.size];
      byName.set(key, entry);
    }
    return [...byName.values()].sort((a, b) => b.bytes - a.bytes).slice(0, 500);
  }

  /** The sampling heap profile, reduced to live bytes by allocation site (innermost frame outside the runtime). */
  function allocationSites(profile) {
    const sites = new Map();
    const walk = (node, stack) => {
      const here = [node.callFrame, ...stack];
      if (node.selfSize > 0) {
        let label = null;
        let pkg = null;
        let fn = null;
        for (const frame of here) {
          let name = frame.url;
          if (!name) continue;
          if (name.startsWith('file://')) {
            try {
              name = url.fileURLToPath(name);
            } catch {
              continue;
            }
          }
          if (!name.startsWith('/') || name === HOOK_FILE) continue;
          const p = packageOf(name);
          pkg = p ? p.name : null;
          label = siteLabel(name, frame.lineNumber + 1, p);
          fn = frame.functionName || '(anonymous)';
          break;
        }
        const key = `${pkg}\u0000${label}`;
        // V8 samples allocations by function: the line is where the allocating function starts.
        const entry = sites.get(key) || { package: pkg, site: label, function: fn, bytes: 0 };
        entry.bytes += node.selfSize;
        sites.set(key, entry);
      }
      for (const child of node.children || []) walk(child, here);
    };
    walk(profile.head, []);
    return [...sites.values()].sort((a, b) => b.bytes - a.bytes).slice(0, 200);
  }

  // No heap snapshot at the start: writing and reading one leaves tens of MiB freed but resident, which
  // the app's next allocations reuse, hiding the very growth the soak measures. The sampling heap
  // profiler started there sees what is allocated from then on and still alive at the end.
  // V8's sampling heap profiler names the outermost function of an optimized frame: an allocation in a
  // package function inlined into the app's handler would be charged to the app. Soaks measure memory,
  // not speed, so their servers are not inlined (what they retain does not change).
  if (modes.has('memory')) require('node:v8').setFlagsFromString('--no-turbo-inlining');
  let memoryState = 'idle';
  function memoryStep() {
    if (memoryState === 'idle' && fs.existsSync(path.join(OUT, 'mem-start'))) {
      memoryState = 'started';
      post('HeapProfiler.enable');
      post('HeapProfiler.startSampling', { samplingInterval: 16384 });
      writeAtomic(file('heap-start.json'), JSON.stringify({ at: monoMs() }));
    } else if (memoryState === 'started' && fs.existsSync(path.join(OUT, 'mem-end'))) {
      memoryState = 'done';
      const { profile } = post('HeapProfiler.getSamplingProfile');
      post('HeapProfiler.stopSampling');
      const sites = allocationSites(profile);
      writeAtomic(file('heap-end.json'), JSON.stringify({ at: monoMs(), constructors: heapSummary(), sites }));
      writeAtomic(file('mem-done'), '');
    }
  }

  // ---- orders and the end -------------------------------------------------------------------------
  let finished = false;
  function finish() {
    if (finished) return;
    finished = true;
    try {
      if (profiling) {
        const { profile } = post('Profiler.stop');
        profiling = false;
        writeAtomic(file('cpuprofile'), JSON.stringify(profile));
      }
    } catch (err) {
      fs.writeFileSync(file('error'), String((err && err.stack) || err));
    }
    try {
      flush();
    } catch {
      /* as far as it got */
    }
    writeAtomic(file('done'), '');
  }

  const poll = setInterval(() => {
    try {
      if (modes.has('memory')) memoryStep();
      if (fs.existsSync(path.join(OUT, 'stop'))) {
        clearInterval(poll);
        finish();
      }
    } catch (err) {
      try {
        fs.writeFileSync(file('error'), String((err && err.stack) || err));
      } catch {
        /* nowhere to say it */
      }
    }
  }, 100);
  poll.unref();
  // A process that ends on its own (npm's wrapper when the server exits) still reports what it saw.
  process.on('exit', finish);
}
