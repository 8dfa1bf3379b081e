// Memory growth by allocation site, from a soak: each side's hook took a heap summary (objects by
// constructor) at the start and the end of the measured part, and recorded what was allocated in
// between and is still alive, by allocation site (Node: the sampling heap profiler; Python:
// tracemalloc). Growth is named only where the soak's trend test already found a leak on one side (the
// summaries are two points; the trend test has the statistics), as the sites and constructors that
// hold more on the leaking side than on the other.
import type { Hint, SoakSide } from '../model.ts';
import type { PackageNames } from './attribution.ts';
import type { ProcessObservation } from './observe-files.ts';
import { code } from './words.ts';

const MIB = 1024 * 1024;
/** Smallest difference of a site worth naming: 1 MiB, and a tenth of what the sites hold in all. */
const MIN_SITE_BYTES = MIB;
const MIN_SITE_SHARE = 0.1;

export interface MemorySide {
  processes: ProcessObservation[];
  /** The soak's verdict of this side's memory. */
  soak: SoakSide;
  /** Requests served in the measured part (between the two summaries). */
  requests: number;
}

interface SiteTotal {
  package: string | null;
  changed: boolean;
  ecosystem?: 'npm' | 'pypi';
  site: string | null;
  bytes: number;
}

interface ConstructorGrowth {
  name: string;
  count: number;
  bytes: number;
}

/** What was allocated in the measured part and is still alive, by site (the line left out of the key: it moves between versions). */
function sitesOf(side: MemorySide, names: PackageNames): Map<string, SiteTotal> {
  const sites = new Map<string, SiteTotal>();
  for (const proc of side.processes) {
    const ecosystem = proc.runtime === 'node' ? 'npm' : 'pypi';
    for (const s of proc.heapEnd?.sites ?? []) {
      const resolved = s.package === null ? null : names.resolve(s.package, ecosystem);
      const file = s.site?.replace(/:\d+$/, '') ?? null;
      const id = JSON.stringify([resolved?.name ?? null, file]);
      const entry = sites.get(id) ?? { package: resolved?.name ?? null, changed: resolved?.changed ?? false, ...(resolved ? { ecosystem } : {}), site: s.site, bytes: 0 };
      entry.bytes += s.bytes;
      sites.set(id, entry);
    }
  }
  return sites;
}

/** Growth of live objects by constructor between the two summaries. */
function constructorsOf(side: MemorySide): Map<string, ConstructorGrowth> {
  const growth = new Map<string, ConstructorGrowth>();
  const add = (name: string, count: number, bytes: number) => {
    const g = growth.get(name) ?? { name, count: 0, bytes: 0 };
    g.count += count;
    g.bytes += bytes;
    growth.set(name, g);
  };
  for (const proc of side.processes) {
    const end = proc.heapEnd?.constructors ?? [];
    for (const c of end) {
      if (c.countBefore !== undefined) add(c.name, c.count - c.countBefore, 0);
    }
    if (end.some((c) => c.countBefore !== undefined)) continue;
    // Node: rows of the end summary against the start's.
    const start = new Map((proc.heapStart?.constructors ?? []).map((c) => [`${c.type}\0${c.name}`, c]));
    const seen = new Set<string>();
    for (const c of end) {
      const key = `${c.type}\0${c.name}`;
      seen.add(key);
      const before = start.get(key);
      add(c.name, c.count - (before?.count ?? 0), c.bytes - (before?.bytes ?? 0));
    }
    for (const [key, c] of start) if (!seen.has(key)) add(c.name, -c.count, -c.bytes);
  }
  return growth;
}

const mib = (bytes: number) => `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / MIB).toFixed(Math.abs(bytes) >= 10 * MIB ? 0 : 1)} MiB`;
const count = (n: number) => `${n >= 0 ? '+' : '−'}${Math.abs(n).toLocaleString('en-US')}`;

export function memoryHints(base: MemorySide, head: MemorySide, opts: { names: PackageNames }): Hint[] {
  // The side that leaks, by the soak's own test: head (a regression) or base (head fixed it).
  const leaking = head.soak.leak && !base.soak.leak ? 'head' : base.soak.leak && !head.soak.leak ? 'base' : head.soak.leak && base.soak.leak ? 'head' : null;
  if (!leaking) return [];
  const sign = leaking === 'head' ? 1 : -1;
  const sites = { base: sitesOf(base, opts.names), head: sitesOf(head, opts.names) };
  const diffs = [...new Set([...sites.base.keys(), ...sites.head.keys()])].map((id) => {
    const b = sites.base.get(id);
    const h = sites.head.get(id);
    return { site: (h ?? b)!, base: b?.bytes ?? 0, head: h?.bytes ?? 0, delta: (h?.bytes ?? 0) - (b?.bytes ?? 0) };
  });
  const totalGrowth = diffs.reduce((a, d) => a + Math.max(0, sign * d.delta), 0);
  const named = diffs
    .filter((d) => sign * d.delta >= MIN_SITE_BYTES && sign * d.delta >= MIN_SITE_SHARE * totalGrowth)
    .sort((x, y) => sign * (y.delta - x.delta));

  const ctorBase = constructorsOf(base);
  const ctorHead = constructorsOf(head);
  const grown = [...new Set([...ctorBase.keys(), ...ctorHead.keys()])]
    .map((name) => ({
      name,
      count: (ctorHead.get(name)?.count ?? 0) - (ctorBase.get(name)?.count ?? 0),
      bytes: (ctorHead.get(name)?.bytes ?? 0) - (ctorBase.get(name)?.bytes ?? 0),
    }))
    .filter((c) => sign * c.count > 0)
    .sort((x, y) => sign * (y.bytes - x.bytes) || sign * (y.count - x.count))
    .slice(0, 3);
  const objects = grown.length ? `; objects that grew on ${leaking} more than on the other side: ${grown.map((c) => `${code(c.name, 80)} ${count(sign * c.count)}${c.bytes ? ` (${mib(sign * c.bytes)})` : ''}`).join(', ')}` : '';
  const p = (leaking === 'head' ? head : base).soak.p;
  const requests = Math.max(1, leaking === 'head' ? head.requests : base.requests);

  // One hint per package (or the app), its largest site in front.
  const byPackage = new Map<string, typeof named>();
  for (const d of named) byPackage.set(JSON.stringify(d.site.package), [...(byPackage.get(JSON.stringify(d.site.package)) ?? []), d]);
  const hints: Hint[] = [];
  for (const group of byPackage.values()) {
    const main = group[0];
    const delta = group.reduce((a, d) => a + d.delta, 0);
    const who = main.site.package === null ? "the app's own code" : code(main.site.package);
    const where = group.map((d) => (d.site.site ? code(d.site.site) : '(unknown site)')).slice(0, 3).join(', ');
    hints.push({
      kind: 'memory',
      package: main.site.package,
      detail:
        `${leaking === 'head' ? 'head retains' : 'base retained'} ${mib(sign * delta).slice(1)} more than ${leaking === 'head' ? 'base' : 'head'} ` +
        `in memory allocated by ${who} at ${where} over the soak's measured part${hints.length === 0 ? objects : ''}.`,
      base: group.reduce((a, d) => a + d.base, 0),
      head: group.reduce((a, d) => a + d.head, 0),
      perRequest: delta / requests,
      confidence: 1 - p,
      ...(main.site.package !== null ? { changed: main.site.changed, ...(main.site.ecosystem ? { ecosystem: main.site.ecosystem } : {}) } : {}),
      ...(main.site.site ? { site: main.site.site } : {}),
    });
  }
  // Growth the sites do not show (Node buffers live outside the JS heap the sampler sees): the constructors still say what.
  if (hints.length === 0 && grown.length) {
    const top = grown[0];
    hints.push({
      kind: 'memory',
      package: null,
      detail: `${leaking === 'head' ? 'head' : 'base'} keeps more objects alive than the other side over the soak's measured part${objects}; no allocation site stood out.`,
      base: ctorBase.get(top.name)?.bytes ?? 0,
      head: ctorHead.get(top.name)?.bytes ?? 0,
      perRequest: top.bytes / requests,
      confidence: 1 - p,
    });
  }
  return hints;
}
