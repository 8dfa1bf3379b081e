// Memory growth by allocation site, from a soak: from the end of the warm-up each side's hook records
// what is allocated and still alive at the end of the soak, by allocation site (Node: the sampling heap
// profiler; Python: tracemalloc), and takes a heap summary by constructor at the end. Growth is named
// only where the soak's trend test already found a leak on one side (these are two points; the trend
// test has the statistics), as the sites that hold more on the leaking side than on the other, and the
// constructors with more live objects there at the end (both sides are the same age, under the same
// load). No summary at the start: taking one leaves tens of MiB freed but resident, which the app's
// next allocations reuse, hiding the growth the soak measures (docs/hints.md).
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
  /** Node: the allocating function, whose start `site` is. */
  fn?: string;
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
      const entry = sites.get(id) ?? {
        package: resolved?.name ?? null, changed: resolved?.changed ?? false, ...(resolved ? { ecosystem } : {}), site: s.site, ...(s.function ? { fn: s.function } : {}), bytes: 0,
      };
      entry.bytes += s.bytes;
      sites.set(id, entry);
    }
  }
  return sites;
}

/** Live objects by constructor at the end of the soak (both sides are the same age, under the same load). */
function constructorsOf(side: MemorySide): Map<string, ConstructorGrowth> {
  const live = new Map<string, ConstructorGrowth>();
  for (const proc of side.processes) {
    for (const c of proc.heapEnd?.constructors ?? []) {
      const g = live.get(c.name) ?? { name: c.name, count: 0, bytes: 0 };
      g.count += c.count;
      g.bytes += c.bytes;
      live.set(c.name, g);
    }
  }
  return live;
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
    // Differences of a few objects are the two processes' own; a leak leaves thousands, or megabytes.
    .filter((c) => sign * c.count > 0 && (sign * c.count >= 1000 || sign * c.bytes >= MIB))
    .sort((x, y) => sign * (y.bytes - x.bytes) || sign * (y.count - x.count))
    .slice(0, 3);
  const objects = grown.length ? `; live objects ${leaking} has more of at the end: ${grown.map((c) => `${code(c.name, 80)} ${count(sign * c.count)}${c.bytes ? ` (${mib(sign * c.bytes)})` : ''}`).join(', ')}` : '';
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
    const where = group
      .slice(0, 3)
      .map((d) => (d.site.fn ? `function ${code(d.site.fn, 80)} (${d.site.site ? code(d.site.site) : '?'})` : d.site.site ? code(d.site.site) : '(unknown site)'))
      .join(', ');
    // Node's sampler weighs the JavaScript heap; a buffer's contents live outside it (see the objects).
    const heap = main.site.fn !== undefined ? ' of JavaScript heap' : '';
    hints.push({
      kind: 'memory',
      package: main.site.package,
      detail:
        `${leaking === 'head' ? 'head retains' : 'base retained'} ${mib(sign * delta).slice(1)}${heap} more than ${leaking === 'head' ? 'base' : 'head'} ` +
        `allocated by ${who} in ${where} since the warm-up${hints.length === 0 ? objects : ''}.`,
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
