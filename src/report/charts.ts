// Charts for the reports, as mermaid `xychart-beta` blocks: GitHub renders them in PR comments and check
// runs, and they stay readable as text anywhere else. Pure: a JobResult part in, a fenced block out ('' when
// there is too little to draw).
import { METRICS } from '../bench/metrics.ts';
import { compareVersions } from '../lockfiles/diff.ts';
import type { Culprit, MetricName, ScenarioResult, SoakResult } from '../model.ts';

const percent = (ratio: number) => Math.round((ratio - 1) * 1000) / 10;
/** Mermaid strings are double-quoted; a quote inside one would end it. */
const quote = (text: string) => `"${text.replace(/"/g, "'")}"`;

function block(lines: string[]): string {
  return ['```mermaid', 'xychart-beta', ...lines.map((l) => `  ${l}`), '```'].join('\n');
}

const SHORT: Record<MetricName, string> = {
  throughput: 'req/s', latency_p50: 'p50', latency_p90: 'p90', latency_p99: 'p99', cpu_per_request: 'CPU/req', rss: 'RSS',
};

/** One bar per scenario × gated metric: head's change against base, in percent. */
export function compareChart(scenarios: readonly ScenarioResult[]): string {
  const bars: { label: string; value: number }[] = [];
  for (const s of scenarios) {
    for (const spec of METRICS) {
      const m = s.metrics[spec.name];
      if (m?.gated) bars.push({ label: `${s.name} ${SHORT[spec.name]}`, value: percent(m.ratio) });
    }
  }
  if (bars.length < 2) return '';
  return block([
    'title "Head against base, % change of each gated metric (req/s: lower is slower; others: higher is slower)"',
    `x-axis [${bars.map((b) => quote(b.label)).join(', ')}]`,
    'y-axis "% change"',
    `bar [${bars.map((b) => b.value).join(', ')}]`,
  ]);
}

/** Change against base of every release measured, in version order, from base's version to head's. */
export function bisectChart(culprit: Culprit, from: string | null, to: string | null): string {
  const points = new Map<string, number>();
  for (const e of culprit.evidence) {
    const version = e.versions[culprit.name];
    if (e.kind !== 'release' || e.ratio === null || version === undefined) continue;
    points.set(version, percent(e.ratio));
  }
  const confirm = culprit.evidence.find((e) => e.kind === 'confirm' && e.ratio !== null);
  if (from && !points.has(from)) points.set(from, 0);
  if (to && confirm && !points.has(to)) points.set(to, percent(confirm.ratio!));
  if (points.size < 3) return '';
  const versions = [...points.keys()].sort((a, b) => compareVersions(a, b, culprit.ecosystem));
  const metric = culprit.metric ? ` on ${culprit.metric}` : '';
  return block([
    `title ${quote(`${culprit.name}: % change against base${metric}, by release`)}`,
    `x-axis [${versions.map(quote).join(', ')}]`,
    'y-axis "% change"',
    `line [${versions.map((v) => points.get(v)).join(', ')}]`,
  ]);
}

/** Base and head memory on one time axis: the minimum of each time slot, as the leak rule sees it. */
export function soakChart(soak: SoakResult): string {
  const slots = Math.min(40, soak.base.series.length, soak.head.series.length);
  if (slots < 2) return '';
  // A resumed soak runs past its planned length (one warm-up per resumption): the axis covers all of it.
  const end = Math.max(soak.durationSec, soak.base.series.at(-1)?.[0] ?? 0, soak.head.series.at(-1)?.[0] ?? 0);
  const width = end / slots;
  const bucket = (series: [number, number][]) => {
    const out: number[] = [];
    for (let k = 0; k < slots; k++) {
      const inSlot = series.filter(([t]) => t >= k * width && (t < (k + 1) * width || k === slots - 1)).map(([, m]) => m);
      out.push(inSlot.length ? Math.min(...inSlot) : (out[k - 1] ?? series[0][1]));
    }
    return out;
  };
  const inMinutes = end >= 600;
  const x = Array.from({ length: slots }, (_, k) => Math.round((k * width) / (inMinutes ? 60 : 1)));
  return block([
    'title "Memory of the server process tree (RssAnon, MiB): base, then head"',
    `x-axis "${inMinutes ? 'minutes' : 'seconds'}" [${x.join(', ')}]`,
    'y-axis "MiB"',
    `line [${bucket(soak.base.series).join(', ')}]`,
    `line [${bucket(soak.head.series).join(', ')}]`,
  ]);
}

/**
 * A runtime swap's memory: each side's server over its life (start, warm-up, every scenario), the median
 * over its samples, on one time axis. Where one side's servers lived shorter its line ends: the shorter
 * line is carried at its last value so mermaid can draw both.
 */
export function runtimeMemoryChart(memory: { base: [number, number][]; head: [number, number][] }, labels: { base: string; head: string }): string {
  const longest = Math.max(memory.base.at(-1)?.[0] ?? 0, memory.head.at(-1)?.[0] ?? 0);
  if (memory.base.length < 2 || memory.head.length < 2 || longest <= 0) return '';
  const slots = Math.min(30, Math.max(memory.base.length, memory.head.length));
  const width = longest / (slots - 1);
  const at = (series: [number, number][], t: number) => {
    let value = series[0][1];
    for (const [time, mib] of series) if (time <= t + width / 2) value = mib;
    return value;
  };
  const times = Array.from({ length: slots }, (_, k) => Math.round(k * width * 10) / 10);
  return block([
    `title ${quote(`Server memory over a sample (RSS, MiB): base on ${labels.base}, then head on ${labels.head}`)}`,
    `x-axis "seconds since ready" [${times.join(', ')}]`,
    'y-axis "MiB"',
    `line [${times.map((t) => at(memory.base, t)).join(', ')}]`,
    `line [${times.map((t) => at(memory.head, t)).join(', ')}]`,
  ]);
}
