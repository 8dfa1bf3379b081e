// CPU by package, head against base, per request. Only where the measured samples (hook-free, many
// fresh servers) already show the scenario's CPU per request moved: one profile per side cannot tell a
// real change from a difference between two processes, but it can say where a real change went. Each
// owner's self time per request is taken in test windows of the observed run; an owner is named when
// its windows differ (Mann-Whitney, Holm over the owners of the scenario), it moved the way the
// measurement did, and it carries at least a fifth of the change. Owners and functions with too few
// samples are left out.
import type { Hint, Observation, ScenarioResult } from '../model.ts';
import { holm } from '../stats/holm.ts';
import { mannWhitneyU } from '../stats/mann-whitney.ts';
import type { PackageNames } from './attribution.ts';
import { APP, GC, RUNTIME, UNATTRIBUTED, type AttributedSample } from './cpu-samples.ts';
import { testWindows, windowRequests, type ObservedScenario } from './windows.ts';
import { code } from './words.ts';

/** An owner (or function) with fewer samples than this on both sides is left out. */
export const MIN_SAMPLES = 30;
const MIN_FUNCTION_SAMPLES = 10;
/** Smallest share of the scenario's change in CPU per request worth naming. */
export const MIN_SHARE = 0.2;

export interface CpuSide {
  scenarios: ObservedScenario[];
  samples: AttributedSample[];
}

interface OwnerCpu {
  us: number;
  samples: number;
  perWindow: number[];
  ecosystem?: 'npm' | 'pypi';
  functions: Map<string, { us: number; samples: number; site?: string }>;
}

export interface ScenarioCpu {
  requests: number;
  /** Test windows the owners' per-request values are taken in. */
  windows: number;
  /** µs of CPU per request, over every owner. */
  totalPerRequest: number;
  owners: Map<string, OwnerCpu>;
}

/** One side's CPU in one scenario's counted windows, by owner and function. */
export function scenarioCpu(side: CpuSide, observed: ObservedScenario): ScenarioCpu | null {
  const windows = testWindows(observed);
  if (windows.length < 2) return null;
  const requests = windowRequests(observed, windows);
  const total = requests.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const windowOf = new Map<number, number>();
  windows.forEach((w, i) => w.forEach((b) => windowOf.set(b, i)));
  const owners = new Map<string, OwnerCpu>();
  let totalUs = 0;
  for (const s of side.samples) {
    const w = windowOf.get(s.bucket);
    if (w === undefined) continue;
    let o = owners.get(s.owner);
    if (!o) {
      o = { us: 0, samples: 0, perWindow: windows.map(() => 0), functions: new Map(), ...(s.ecosystem ? { ecosystem: s.ecosystem } : {}) };
      owners.set(s.owner, o);
    }
    o.us += s.us;
    o.samples++;
    o.perWindow[w] += s.us;
    const f = o.functions.get(s.fn) ?? { us: 0, samples: 0, ...(s.site ? { site: s.site } : {}) };
    f.us += s.us;
    f.samples++;
    o.functions.set(s.fn, f);
    totalUs += s.us;
  }
  for (const o of owners.values()) o.perWindow = o.perWindow.map((us, i) => (requests[i] > 0 ? us / requests[i] : 0));
  return { requests: total, windows: windows.length, totalPerRequest: totalUs / total, owners };
}

const us = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${us(Math.abs(x))}`;


export interface CpuHintOptions {
  names: PackageNames;
  /** The measured compare (or a bisect's confirmation): where CPU per request really moved. */
  measured: readonly ScenarioResult[];
  confidence?: number;
}

export function cpuHints(base: CpuSide, head: CpuSide, opts: CpuHintOptions): Hint[] {
  const confidence = opts.confidence ?? 0.99;
  const hints: Hint[] = [];
  for (const seenHead of head.scenarios) {
    const seenBase = base.scenarios.find((s) => s.scenario === seenHead.scenario);
    const metric = opts.measured.find((s) => s.name === seenHead.scenario)?.metrics.cpu_per_request;
    if (!seenBase || !metric) continue;
    // The measured samples decide whether CPU per request moved, and which way.
    const direction = metric.ci[0] > 1 ? 1 : metric.ci[1] < 1 ? -1 : 0;
    if (direction === 0) continue;
    const b = scenarioCpu(base, seenBase);
    const h = scenarioCpu(head, seenHead);
    if (!b || !h) continue;
    const change = h.totalPerRequest - b.totalPerRequest;
    if (Math.sign(change) !== direction) continue;

    const candidates: { owner: string; delta: number; p: number; base: OwnerCpu | undefined; head: OwnerCpu | undefined }[] = [];
    for (const owner of new Set([...b.owners.keys(), ...h.owners.keys()])) {
      // The runtime, GC and short threads are where time went, not whose code sent it there: they stay
      // in the figures (cpuTable), and a hint names a package or the app.
      if (owner === RUNTIME || owner === GC || owner === UNATTRIBUTED) continue;
      const ob = b.owners.get(owner);
      const oh = h.owners.get(owner);
      if (Math.max(ob?.samples ?? 0, oh?.samples ?? 0) < MIN_SAMPLES) continue;
      const perRequest = (o: OwnerCpu | undefined, side: ScenarioCpu) => (o ? o.us / side.requests : 0);
      const delta = perRequest(oh, h) - perRequest(ob, b);
      // An owner absent on one side spent nothing there in every window.
      const test = mannWhitneyU(oh?.perWindow ?? new Array<number>(h.windows).fill(0), ob?.perWindow ?? new Array<number>(b.windows).fill(0));
      candidates.push({ owner, delta, p: test.p, base: ob, head: oh });
    }
    const adjusted = holm(candidates.map((c) => c.p));
    candidates.forEach((c, i) => {
      const share = c.delta / change;
      if (adjusted[i] >= 1 - confidence || Math.sign(c.delta) !== direction || share < MIN_SHARE) return;
      const fnDelta = new Map<string, number>();
      for (const [side, o, sign] of [[h, c.head, 1], [b, c.base, -1]] as const) {
        for (const [fn, f] of o?.functions ?? []) {
          const enough = Math.max(c.head?.functions.get(fn)?.samples ?? 0, c.base?.functions.get(fn)?.samples ?? 0) >= MIN_FUNCTION_SAMPLES;
          if (enough) fnDelta.set(fn, (fnDelta.get(fn) ?? 0) + (sign * f.us) / side.requests);
        }
      }
      const top = [...fnDelta.entries()].filter(([, d]) => Math.sign(d) === direction).sort((x, y) => Math.abs(y[1]) - Math.abs(x[1])).slice(0, 3);
      const isPackage = c.owner !== APP;
      const resolved = isPackage ? opts.names.resolve(c.owner, c.head?.ecosystem ?? c.base?.ecosystem ?? 'npm') : null;
      const who = resolved ? code(resolved.name) : "the app's own code";
      const baseUs = (c.base?.us ?? 0) / b.requests;
      const headUs = (c.head?.us ?? 0) / h.requests;
      const verb = direction > 0 ? 'adds' : 'saves';
      const siteOfFn = (fn: string) => c.head?.functions.get(fn)?.site ?? c.base?.functions.get(fn)?.site;
      const fnWords = (fn: string) => {
        const site = siteOfFn(fn);
        return `${code(fn.replace(/ \(.*\)$/, ''), 80)}${site ? ` (${code(site)})` : ''}`;
      };
      const fns = top.length ? `; mostly in ${top.map(([fn, d]) => `${fnWords(fn)} ${signed(d)} µs`).join(', ')}` : '';
      hints.push({
        kind: 'cpu',
        package: resolved?.name ?? null,
        detail:
          `${who} ${verb} ${us(Math.abs(c.delta))} µs of CPU per request in ${code(seenHead.scenario)} ` +
          `(${us(baseUs)} → ${us(headUs)} µs), ${Math.round(share * 100)}% of the ${signed(change)} µs the profile shows${fns}.`,
        base: baseUs,
        head: headUs,
        perRequest: c.delta,
        confidence: 1 - adjusted[i],
        scenario: seenHead.scenario,
        share,
        ...(resolved ? { changed: resolved.changed, ecosystem: resolved.ecosystem } : {}),
        ...(top[0] && siteOfFn(top[0][0]) ? { site: siteOfFn(top[0][0]) } : {}),
      });
    });
  }
  return hints.sort((a, b) => (b.share ?? 0) - (a.share ?? 0));
}

/** CPU per request by owner, each scenario, both sides: the figures behind the hints, largest first. */
export function cpuTable(base: CpuSide, head: CpuSide, names: PackageNames, top = 8): NonNullable<Observation['cpu']> {
  const rows: NonNullable<Observation['cpu']> = [];
  for (const seenHead of head.scenarios) {
    const seenBase = base.scenarios.find((s) => s.scenario === seenHead.scenario);
    const b = seenBase ? scenarioCpu(base, seenBase) : null;
    const h = scenarioCpu(head, seenHead);
    if (!b || !h) continue;
    const owners = [...new Set([...b.owners.keys(), ...h.owners.keys()])].map((owner) => {
      const eco = h.owners.get(owner)?.ecosystem ?? b.owners.get(owner)?.ecosystem;
      return {
        name: eco ? names.resolve(owner, eco).name : owner,
        base: (b.owners.get(owner)?.us ?? 0) / b.requests,
        head: (h.owners.get(owner)?.us ?? 0) / h.requests,
      };
    });
    owners.sort((x, y) => Math.max(y.base, y.head) - Math.max(x.base, x.head));
    rows.push({ scenario: seenHead.scenario, base: b.totalPerRequest, head: h.totalPerRequest, owners: owners.slice(0, top) });
  }
  return rows;
}
