// Outbound calls per request, head against base: for each destination, method, path template and the
// package that issued the call, the calls counted in each test window of a scenario's observed run and
// the responses served in it, compared with a dispersion-aware rate-ratio test. A hint needs all of a
// clear test (Holm over every destination and scenario), a change of at least 0.05 calls per request
// and by a factor of 1.25 either way; one hint per scenario, package and destination, its HTTP request
// in front and the connects, handshakes and lookups that go with it behind.
import type { Hint } from '../model.ts';
import { holm } from '../stats/holm.ts';
import { rateRatioTest, type RateRatioResult } from '../stats/rate-ratio.ts';
import type { PackageNames } from './attribution.ts';
import type { OutboundKey, ProcessObservation } from './observe-files.ts';
import { testWindows, windowRequests, type ObservedScenario } from './windows.ts';
import { code } from './words.ts';

/** One side's observe run. */
export interface ObservedSide {
  scenarios: ObservedScenario[];
  processes: ProcessObservation[];
}

export interface OutboundOptions {
  names: PackageNames;
  /** The kernel's ephemeral port range: a port in it (a stub's, picked by the kernel) is shown as `*`. */
  ephemeralPorts: [number, number];
  /** Level of the tests and intervals. */
  confidence?: number;
}

/** Smallest change worth a hint, calls per request. */
export const MIN_CALLS_DELTA = 0.05;
/** Smallest factor worth a hint. */
export const MIN_CALLS_RATIO = 1.25;
/** Calls rarer than this per request on both sides are left out (a timer, a health check). */
const MIN_RATE = 0.01;

const KIND_ORDER: OutboundKey['kind'][] = ['http', 'tls', 'tcp', 'dns'];

interface CallKey {
  kind: OutboundKey['kind'];
  destination: string;
  method: string | null;
  path: string | null;
  package: string | null;
  changed: boolean;
  ecosystem?: Hint['ecosystem'];
}

interface CallCounts {
  key: CallKey;
  buckets: Map<number, number>;
  sites: Map<string, number>;
  via: string[];
}

function destinationOf(key: OutboundKey, ephemeral: [number, number]): string {
  const host = key.host ?? '?';
  if (host.startsWith('unix:') || key.kind === 'dns') return host;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  if (key.port === null) return shownHost;
  const port = key.port >= ephemeral[0] && key.port <= ephemeral[1] ? '*' : String(key.port);
  return `${shownHost}:${port}`;
}

/** Every process's calls of one side, merged by what is compared (the site and file:line are not: they move between versions). */
function callsOf(side: ObservedSide, opts: OutboundOptions): Map<string, CallCounts> {
  const calls = new Map<string, CallCounts>();
  const bucketMs = side.scenarios[0]?.bucketMs;
  for (const proc of side.processes) {
    // Counts in buckets of another size than the responses' cannot be put per request.
    if (!proc.outbound || proc.outbound.bucketMs !== bucketMs) continue;
    const ecosystem = proc.runtime === 'node' ? 'npm' : 'pypi';
    for (const raw of proc.outbound.keys) {
      const resolved = raw.package === null ? null : opts.names.resolve(raw.package, ecosystem);
      const key: CallKey = {
        kind: raw.kind,
        destination: destinationOf(raw, opts.ephemeralPorts),
        method: raw.method,
        path: raw.path,
        package: resolved?.name ?? null,
        changed: resolved?.changed ?? false,
        ...(resolved ? { ecosystem: resolved.ecosystem } : {}),
      };
      const id = JSON.stringify([key.kind, key.destination, key.method, key.path, key.package]);
      let entry = calls.get(id);
      if (!entry) {
        entry = { key, buckets: new Map(), sites: new Map(), via: [] };
        calls.set(id, entry);
      }
      let total = 0;
      for (const [bucket, n] of raw.buckets) {
        entry.buckets.set(bucket, (entry.buckets.get(bucket) ?? 0) + n);
        total += n;
      }
      if (raw.site) entry.sites.set(raw.site, (entry.sites.get(raw.site) ?? 0) + total);
      for (const v of raw.via) {
        const name = opts.names.resolve(v, ecosystem).name;
        if (!entry.via.includes(name)) entry.via.push(name);
      }
    }
  }
  return calls;
}

function topSite(sites: Map<string, number>): string | undefined {
  return [...sites.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

interface Compared {
  scenario: string;
  id: string;
  key: CallKey;
  test: RateRatioResult;
  site?: string;
  via: string[];
}

function describeCall(key: CallKey): string {
  switch (key.kind) {
    case 'http':
      return code(`${key.method ?? 'HTTP'} ${key.destination}${key.path ?? ''}`, 200);
    case 'tls':
      return `TLS handshakes with ${code(key.destination)}`;
    case 'tcp':
      return `TCP connects to ${code(key.destination)}`;
    default:
      return `DNS lookups of ${code(key.destination)}`;
  }
}

const rate = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3).replace(/0$/, ''));
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${rate(Math.abs(x))}`;

function hostOf(destination: string): string {
  return destination.replace(/:(\d+|\*)$/, '').replace(/^\[|\]$/g, '');
}

export function outboundHints(base: ObservedSide, head: ObservedSide, opts: OutboundOptions): Hint[] {
  const confidence = opts.confidence ?? 0.99;
  const callsBase = callsOf(base, opts);
  const callsHead = callsOf(head, opts);
  const compared: Compared[] = [];
  for (const seenHead of head.scenarios) {
    const seenBase = base.scenarios.find((s) => s.scenario === seenHead.scenario);
    if (!seenBase || seenBase.bucketMs !== seenHead.bucketMs) continue;
    const windows = { base: testWindows(seenBase), head: testWindows(seenHead) };
    const exposure = { base: windowRequests(seenBase, windows.base), head: windowRequests(seenHead, windows.head) };
    if (exposure.base.reduce((a, b) => a + b, 0) === 0 || exposure.head.reduce((a, b) => a + b, 0) === 0) continue;
    for (const id of new Set([...callsBase.keys(), ...callsHead.keys()])) {
      const count = (calls: CallCounts | undefined, ws: number[][]) => ws.map((w) => w.reduce((a, b) => a + (calls?.buckets.get(b) ?? 0), 0));
      const b = callsBase.get(id);
      const h = callsHead.get(id);
      const test = rateRatioTest({ events: count(b, windows.base), exposure: exposure.base }, { events: count(h, windows.head), exposure: exposure.head }, confidence);
      if (Math.max(test.rateBase, test.rateHead) < MIN_RATE) continue;
      const site = topSite(h?.sites ?? new Map()) ?? topSite(b?.sites ?? new Map());
      compared.push({ scenario: seenHead.scenario, id, key: (h ?? b)!.key, test, ...(site ? { site } : {}), via: (h ?? b)!.via });
    }
  }
  const adjusted = holm(compared.map((c) => c.test.p));
  const changed = compared
    .map((c, i) => ({ ...c, pAdjusted: adjusted[i] }))
    .filter((c) => {
      const { rateBase, rateHead } = c.test;
      const delta = Math.abs(rateHead - rateBase);
      const factor = rateBase === 0 || rateHead === 0 ? Infinity : Math.max(rateHead / rateBase, rateBase / rateHead);
      return c.pAdjusted < 1 - confidence && delta >= MIN_CALLS_DELTA && factor >= MIN_CALLS_RATIO;
    });

  // One hint per scenario, package and host: an HTTP request with the connects and lookups it brings.
  const groups = new Map<string, typeof changed>();
  for (const c of changed) {
    const id = JSON.stringify([c.scenario, c.key.package, hostOf(c.key.destination)]);
    groups.set(id, [...(groups.get(id) ?? []), c]);
  }
  const hints: Hint[] = [];
  for (const group of groups.values()) {
    group.sort((x, y) => KIND_ORDER.indexOf(x.key.kind) - KIND_ORDER.indexOf(y.key.kind) || Math.abs(y.test.rateHead - y.test.rateBase) - Math.abs(x.test.rateHead - x.test.rateBase));
    const [main, ...rest] = group;
    const { rateBase, rateHead } = main.test;
    const who = main.key.package === null ? "the app's own code" : code(main.key.package) + (main.via.length ? ` (via ${main.via.map((v) => code(v)).join(', ')})` : '');
    const where = main.site ? ` at ${code(main.site)}` : '';
    const what = describeCall(main.key);
    let sentence: string;
    if (rateBase === 0) sentence = `head makes a new outbound call, ${what}: ${rate(rateHead)} per request (none on base)`;
    else if (rateHead === 0) sentence = `head no longer makes ${what} (${rate(rateBase)} per request on base)`;
    else sentence = `head makes ${what} ${rate(rateHead)} times per request instead of ${rate(rateBase)} (${signed(rateHead - rateBase)})`;
    const along = rest.map((c) => `${signed(c.test.rateHead - c.test.rateBase)} ${describeCall(c.key)}`);
    hints.push({
      kind: 'outbound',
      package: main.key.package,
      detail: `${sentence}, from ${who}${where}, in ${code(main.scenario)}${along.length ? `; with it ${along.join(', ')} per request` : ''}.`,
      base: rateBase,
      head: rateHead,
      perRequest: rateHead - rateBase,
      confidence: 1 - main.pAdjusted,
      scenario: main.scenario,
      ...(main.key.package !== null ? { changed: main.key.changed, ...(main.key.ecosystem ? { ecosystem: main.key.ecosystem } : {}) } : {}),
      ...(main.site ? { site: main.site } : {}),
      ...(main.via.length ? { via: main.via } : {}),
    });
  }
  return hints.sort((a, b) => Math.abs(b.perRequest) - Math.abs(a.perRequest));
}
