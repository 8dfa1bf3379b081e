// The dashboard's HTML: plain server-rendered pages, readable without script (tables under every chart),
// with charts and live updates added by assets/dashboard.js from a JSON block the page carries.
import { METRICS } from '../bench/metrics.ts';
import type { JobResult, RunSample, SoakSide, Verdict } from '../model.ts';
import { renderMarkdown } from '../report/markdown.ts';
import type { Assets } from './assets.ts';
import { BASE_PATH, repoUrl, type HistorySeries, type JobDetail, type JobSummary, type RepositoryHistory, type RepositorySummary, type RunDetail, type RunSummary } from './data.ts';
import { escapeHtml as h, jsonForHtml } from './html.ts';
import { chartFigure, inline, reportToHtml, SERIES_COLORS, type ChartSpec } from './report-html.ts';

export const VERDICT_COLORS: Record<Verdict, string> = {
  regression: '#b3261e',
  improvement: '#1e7b34',
  unchanged: '#5f6368',
  inconclusive: '#8a5a00',
};

const VERDICT_MARK: Record<Verdict, string> = { regression: '▲', improvement: '▼', unchanged: '●', inconclusive: '◆' };

export interface PageContext {
  assets: Assets;
  /** The signed-in user (serve), or null. */
  viewer: { login: string } | null;
}

function when(iso: string | null | undefined, seconds = false): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h(iso);
  return `<time datetime="${h(d.toISOString())}">${d.toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ')} UTC</time>`;
}

function duration(fromIso: string, toIso: string): string {
  const s = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

export function verdictBadge(verdict: string): string {
  const v = verdict as Verdict;
  return `<span class="verdict verdict-${h(verdict)}">${VERDICT_MARK[v] ?? ''} ${h(verdict)}</span>`;
}

function stateBadge(state: string): string {
  return `<span class="state state-${h(state)}">${h(state)}</span>`;
}

const shortSha = (sha: string) => `<code>${h(sha.slice(0, 7))}</code>`;

function prLink(url: string | null, pr: number | null): string {
  if (url) return `<a href="${h(url)}">#${pr}</a>`;
  return pr ? `#${pr}` : '—';
}

function changesText(job: Pick<JobSummary, 'changes'>, max = 3): string {
  if (job.changes.length === 0) return '—';
  const shown = job.changes.slice(0, max).map((c) => `${h(c.name)} ${h(c.from ?? '(added)')} → ${h(c.to ?? '(removed)')}`);
  return shown.join('<br>') + (job.changes.length > max ? `<br>… ${job.changes.length - max} more` : '');
}

function layout(ctx: PageContext, title: string, crumbs: [string, string | null][], body: string, data: object = {}): string {
  const nav = crumbs
    .map(([label, href], i) => (href && i < crumbs.length - 1 ? `<a href="${h(href)}">${h(label)}</a>` : `<span aria-current="page">${h(label)}</span>`))
    .join(' <span aria-hidden="true">›</span> ');
  const user = ctx.viewer
    ? `<form method="post" action="${BASE_PATH}/logout" class="signout"><span>Signed in as <strong>${h(ctx.viewer.login)}</strong></span> <button type="submit">Sign out</button></form>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${h(title)} · bumpbench</title>
<link rel="stylesheet" href="${ctx.assets.url('uplot.css')}">
<link rel="stylesheet" href="${ctx.assets.url('dashboard.css')}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="${BASE_PATH}/">bumpbench</a><nav aria-label="Breadcrumbs">${nav}</nav>${user}</header>
<main id="main" tabindex="-1">
${body}
</main>
<script type="application/json" id="page-data">${jsonForHtml(data)}</script>
<script src="${ctx.assets.url('uplot.js')}"></script>
<script src="${ctx.assets.url('dashboard.js')}"></script>
</body>
</html>
`;
}

function runsList(runs: RunSummary[]): string {
  if (runs.length === 0) return '';
  const rows = runs
    .map(
      (r) => `<tr><td><a href="${h(r.url)}">${h(r.kind)} #${r.id}</a></td><td>${h(r.repo)}</td><td><code>${h(r.baseRef)}</code> → <code>${h(r.headRef)}</code></td><td>${stateBadge(r.state)}</td><td>${r.latest ? `${h(r.latest.phase)}: ${h(r.latest.message)}` : 'starting'}</td><td>${when(r.updatedAt)}</td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="running-h"><h2 id="running-h">Running now</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Job</th><th scope="col">Repository</th><th scope="col">Commits</th><th scope="col">State</th><th scope="col">Latest progress</th><th scope="col">Updated</th></tr></thead><tbody>
${rows}
</tbody></table></div></section>`;
}

export function repositoriesPage(ctx: PageContext, repos: RepositorySummary[], running: RunSummary[]): string {
  const rows = repos
    .map((r) => {
      const counts = (Object.entries(r.verdicts) as [Verdict, number][]).filter(([, n]) => n > 0).map(([v, n]) => `${n} ${v}`).join(', ');
      const latest = r.latest
        ? `${verdictBadge(r.latest.verdict)} <a href="${h(r.latest.url)}">${h(r.latest.kind)} #${r.latest.id}</a> ${when(r.latest.finishedAt)}<br><span class="summary">${inline(r.latest.summary)}</span>`
        : '—';
      return `<tr><th scope="row"><a href="${h(r.url)}">${h(r.key)}</a></th><td>${latest}</td><td>${r.jobs}${counts ? ` <span class="muted">(${h(counts)})</span>` : ''}</td><td>${r.running ? `${r.running} running` : '—'}</td></tr>`;
    })
    .join('\n');
  const body = repos.length
    ? `<h1>Repositories</h1>
${runsList(running)}
<section aria-labelledby="repos-h"><h2 id="repos-h" class="visually-hidden">Repositories and their latest verdicts</h2>
<div class="table-wrap"><table class="repos"><thead><tr><th scope="col">Repository</th><th scope="col">Latest job</th><th scope="col">Jobs</th><th scope="col">Running</th></tr></thead><tbody>
${rows}
</tbody></table></div></section>`
    : `<h1>Repositories</h1>
<p>No results yet${ctx.viewer ? ' that you can see' : ''}. Run <code>bumpbench compare --repo DIR --base REF --head REF</code>, or let the App benchmark a pull request; its result appears here.</p>`;
  return layout(ctx, 'Repositories', [['Repositories', null]], body);
}

/** One chart per scenario × gated metric: a point per compare job, coloured by verdict. */
export function historyChart(series: HistorySeries, index: number): ChartSpec {
  const pts = series.points;
  const verdicts = (['regression', 'improvement', 'unchanged', 'inconclusive'] as Verdict[]).filter((v) => pts.some((p) => p.verdict === v));
  const better = series.direction === 'higher-is-better' ? 'higher is faster' : 'lower is better';
  const counts = verdicts.map((v) => `${pts.filter((p) => p.verdict === v).length} ${v}`).join(', ');
  return {
    id: `history-${index + 1}`,
    type: 'history',
    title: `${series.scenario}: ${series.label.toLowerCase()}, head against base per job (%, ${better})`,
    description: `${series.label} of scenario ${series.scenario}, one point per job over time: ${pts.length} job(s), ${counts}. Each point's interval is a vertical line; the shaded band is the noise. The table after the chart lists every job.`,
    xLabel: 'Finished',
    yLabel: '% change',
    xTime: true,
    x: pts.map((p) => Date.parse(p.finishedAt) / 1000),
    series: verdicts.map((v) => ({ label: v, color: VERDICT_COLORS[v], values: pts.map((p) => (p.verdict === v ? p.change : null)), points: true })),
    whiskers: { lo: pts.map((p) => p.ci[0]), hi: pts.map((p) => p.ci[1]) },
    band: pts.map((p) => p.noise),
    links: pts.map((p) => `${BASE_PATH}/jobs/${p.job}`),
    notes: pts.map((p) => `job #${p.job}${p.pr ? ` (PR #${p.pr})` : ''}: ${p.verdict}, ${p.change >= 0 ? '+' : ''}${p.change}% (interval ${p.ci[0]}% … ${p.ci[1]}%, ${p.pairs} pairs)`),
  };
}

function historyLegend(series: HistorySeries): string {
  const verdicts = (['regression', 'improvement', 'unchanged', 'inconclusive'] as Verdict[]).filter((v) => series.points.some((p) => p.verdict === v));
  const items = verdicts.map((v) => `<li><span class="swatch dot" style="background:${VERDICT_COLORS[v]}"></span>${v}</li>`);
  items.push('<li><span class="swatch whisker"></span>interval</li>', '<li><span class="swatch band"></span>noise band</li>');
  return `<ul class="legend" aria-label="Legend">${items.join('')}</ul>`;
}

function historyFigure(series: HistorySeries, spec: ChartSpec): string {
  const fmt = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)}%`;
  const rows = series.points
    .map(
      (p) => `<tr><th scope="row"><a href="${BASE_PATH}/jobs/${p.job}">#${p.job}</a></th><td>${prLink(p.prUrl, p.pr)}</td><td>${when(p.finishedAt)}</td><td>${verdictBadge(p.verdict)}</td><td class="num">${fmt(p.change)}</td><td class="num">${fmt(p.ci[0])} … ${fmt(p.ci[1])}</td><td class="num">${p.noise === null ? '—' : `±${p.noise.toFixed(1)}%`}</td></tr>`,
    )
    .join('\n');
  const noise =
    series.noiseSource === 'calibrated'
      ? `Band: ±2.8·CV·√(2/pairs) with the calibrated run-to-run CV of ${(series.calibratedCv! * 100).toFixed(1)}% (bumpbench calibrate).`
      : 'Band: ±the noise floor each job measured (2.8·CV·√(2/pairs) from its own runs); run bumpbench calibrate for a calibrated one.';
  return `<figure class="chart history" id="${spec.id}">
<figcaption>${h(spec.title)}</figcaption>
<div class="chart-canvas" data-chart="${spec.id}" tabindex="0" role="img" aria-label="${h(spec.description)}" aria-describedby="${spec.id}-help"></div>
${historyLegend(series)}
<p class="chart-readout" aria-live="polite" id="${spec.id}-readout"></p>
<p class="fine" id="${spec.id}-help">Click a point, or focus the chart and use ← → and Enter, to open that job. ${h(noise)}</p>
<details class="chart-table"><summary>Data of this chart as a table</summary><div class="table-wrap"><table><thead><tr><th scope="col">Job</th><th scope="col">PR</th><th scope="col">Finished</th><th scope="col">Verdict</th><th scope="col" class="num">Change</th><th scope="col" class="num">Interval</th><th scope="col" class="num">Noise band</th></tr></thead><tbody>
${rows}
</tbody></table></div></details>
</figure>`;
}

export function repositoryPage(ctx: PageContext, history: RepositoryHistory): string {
  const { repo } = history;
  const options = [`<option value=""${history.package ? '' : ' selected'}>every job</option>`, ...history.packages.map((p) => `<option value="${h(p)}"${p === history.package ? ' selected' : ''}>${h(p)}</option>`)].join('');
  const filter = `<form class="filter" method="get" action="${BASE_PATH}/repo">
<input type="hidden" name="name" value="${h(repo.key)}">
<label for="package">Jobs that bumped</label> <select id="package" name="package">${options}</select> <button type="submit">Show</button>
${history.package ? `<a href="${h(repoUrl(repo.key))}">show every job</a>` : ''}
</form>`;
  const specs = history.series.map((s, i) => historyChart(s, i));
  const charts = history.series.length
    ? history.series.map((s, i) => historyFigure(s, specs[i])).join('\n')
    : `<p>No compare job${history.package ? ` changed ${h(history.package)}` : ''} yet: nothing to draw.</p>`;
  const jobs = history.jobs
    .map(
      (j) => `<tr><th scope="row"><a href="${h(j.url)}">#${j.id}</a></th><td>${when(j.finishedAt)}</td><td>${h(j.kind)}</td><td>${verdictBadge(j.verdict)}</td><td class="summary">${inline(j.summary)}</td><td>${changesText(j)}</td><td>${prLink(j.prUrl, j.pr)}</td><td><code>${h(j.base.ref)}</code> ${shortSha(j.base.sha)} → <code>${h(j.head.ref)}</code> ${shortSha(j.head.sha)}</td></tr>`,
    )
    .join('\n');
  const github = repo.github ? ` <a class="ext" href="${h(repo.github.htmlUrl)}">on GitHub</a>` : '';
  const body = `<h1>${h(repo.key)}${github}</h1>
${filter}
<p class="muted">${history.jobs.length} job(s)${history.package ? ` that changed <strong>${h(history.package)}</strong>` : ''}. <a href="${BASE_PATH}/api/export?repo=${encodeURIComponent(repo.key)}&amp;format=csv${history.package ? `&amp;package=${encodeURIComponent(history.package)}` : ''}">Download as CSV</a></p>
${runsList(history.running)}
<section aria-labelledby="history-h"><h2 id="history-h">History of each scenario and gated metric</h2>
<p class="fine">Each point is one compare job: head's change against base (a positive change is more of the metric), coloured by the metric's verdict, with its confidence interval as a vertical line. The shaded band around 0 is the noise: changes inside it cannot be told from this runner's run-to-run variation.</p>
${charts}
</section>
<section aria-labelledby="jobs-h"><h2 id="jobs-h">Jobs</h2>
<div class="table-wrap"><table class="jobs"><thead><tr><th scope="col">Job</th><th scope="col">Finished</th><th scope="col">Kind</th><th scope="col">Verdict</th><th scope="col">Summary</th><th scope="col">Packages</th><th scope="col">PR</th><th scope="col">Commits</th></tr></thead><tbody>
${jobs}
</tbody></table></div>
</section>`;
  return layout(ctx, repo.key, [['Repositories', `${BASE_PATH}/`], [repo.key, null]], body, { charts: specs });
}

/** Both sides' memory over the whole soak (the comment draws 40 slots; the page has the thinned series). */
function soakMemoryChart(id: string, base: SoakSide, head: SoakSide): ChartSpec {
  const times = [...new Set([...base.series.map(([t]) => t), ...head.series.map(([t]) => t)])].sort((a, b) => a - b);
  const at = (series: [number, number][]) => {
    const map = new Map(series.map(([t, m]) => [t, m]));
    return times.map((t) => map.get(t) ?? null);
  };
  return {
    id,
    type: 'lines',
    title: 'Memory of each server process tree over the soak (RssAnon, MiB)',
    description: `Memory of base and head over ${Math.round((times.at(-1) ?? 0) / 60)} minutes: base ends at ${base.series.at(-1)?.[1] ?? '?'} MiB, head at ${head.series.at(-1)?.[1] ?? '?'} MiB. The table after the chart lists every reading.`,
    xLabel: 'seconds',
    yLabel: 'MiB',
    x: times,
    series: [
      { label: 'base', color: SERIES_COLORS[0], values: at(base.series), line: true },
      { label: 'head', color: SERIES_COLORS[1], values: at(head.series), line: true },
    ],
  };
}

/** Each run of a scenario, base and head: the raw evidence under the statistics. */
function samplesSection(result: JobResult, samples: RunSample[], charts: ChartSpec[]): string {
  if (samples.length === 0) return '';
  const scenarios = [...new Set(samples.map((s) => s.scenario))];
  const parts = scenarios.map((name, si) => {
    const runs = samples.filter((s) => s.scenario === name).sort((a, b) => a.pair - b.pair || a.side.localeCompare(b.side));
    const pairs = [...new Set(runs.map((r) => r.pair))].sort((a, b) => a - b);
    const value = (side: string, pair: number) => {
      const r = runs.find((s) => s.pair === pair && s.side === side && s.ok);
      return r ? Math.round(r.throughput * 10) / 10 : null;
    };
    const spec: ChartSpec = {
      id: `runs-${si + 1}`,
      type: 'lines',
      title: `${name}: throughput of each run (req/s), base and head by pair`,
      description: `Throughput of every run of scenario ${name}, ${pairs.length} pairs, base and head. The table after the chart lists every run with all its metrics.`,
      xLabel: 'pair',
      yLabel: 'req/s',
      x: pairs.map((p) => p + 1),
      series: [
        { label: 'base', color: SERIES_COLORS[0], values: pairs.map((p) => value('base', p)), points: true },
        { label: 'head', color: SERIES_COLORS[1], values: pairs.map((p) => value('head', p)), points: true },
      ],
    };
    charts.push(spec);
    const rows = runs
      .map((r) => {
        const cells = METRICS.map((m) => `<td class="num">${r.ok ? formatNumber(m.read(r)) : '—'}</td>`).join('');
        return `<tr><td class="num">${r.pair + 1}</td><td>${h(r.side)}</td>${cells}<td>${r.ok ? (r.loadGenBound ? 'load-generator bound' : 'ok') : h(r.failure ?? 'failed')}</td></tr>`;
      })
      .join('\n');
    const header = METRICS.map((m) => `<th scope="col" class="num">${h(m.label)} (${h(m.unit)})</th>`).join('');
    return `<h3><code>${h(name)}</code>: ${runs.length} runs</h3>
<figure class="chart" id="${spec.id}"><figcaption>${h(spec.title)}</figcaption>
<div class="chart-canvas" data-chart="${spec.id}" tabindex="0" role="img" aria-label="${h(spec.description)}"></div>
<details class="chart-table"><summary>Every run of <code>${h(name)}</code> as a table</summary><div class="table-wrap"><table><thead><tr><th scope="col" class="num">Pair</th><th scope="col">Side</th>${header}<th scope="col">Run</th></tr></thead><tbody>
${rows}
</tbody></table></div></details></figure>`;
  });
  return `<section aria-labelledby="evidence-h"><h2 id="evidence-h">Evidence: every measured run</h2>
<p class="fine">Each pair ran base and head on fresh servers in random order. The statistics in the report are computed from these runs${result.kind === 'bisect' ? ' (the bisect steps are in the report\'s table above)' : ''}.</p>
${parts.join('\n')}
</section>`;
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2);
}

export function jobPage(ctx: PageContext, detail: JobDetail): string {
  const { job, result, samples } = detail;
  const charts: ChartSpec[] = [];
  // The comment's markdown, exactly what the PR shows, as HTML; the soak chart gets the whole series.
  const report = reportToHtml(renderMarkdown(result, { maxChars: 1_000_000 }), {
    chartFor: (spec) => (result.soak && spec.series.length === 2 && spec.series[0].label === 'base' ? soakMemoryChart(spec.id, result.soak.base, result.soak.head) : spec),
  });
  charts.push(...report.charts);
  const evidence = samplesSection(result, samples, charts);
  const facts = [
    ['Repository', `<a href="${h(repoUrl(job.repo))}">${h(job.repo)}</a>`],
    ['Pull request', prLink(job.prUrl, job.pr)],
    ['Base', `<code>${h(result.base.ref)}</code> ${shortSha(result.base.sha)}`],
    ['Head', `<code>${h(result.head.ref)}</code> ${shortSha(result.head.sha)}`],
    ['Packages changed', changesText(job, 20)],
    ['Started', when(result.startedAt)],
    ['Finished', `${when(result.finishedAt)} (${duration(result.startedAt, result.finishedAt)})`],
  ]
    .map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`)
    .join('');
  const body = `<h1>${h(job.kind)} #${job.id}: ${verdictBadge(job.verdict)}</h1>
<p class="lead">${inline(job.summary)}</p>
<dl class="facts">${facts}</dl>
<section aria-labelledby="report-h" class="report"><h2 id="report-h">Report <span class="muted">(what the pull request comment says)</span></h2>
${report.html}
</section>
${evidence}
<p><a href="${BASE_PATH}/api/jobs/${job.id}">This job as JSON</a></p>`;
  return layout(ctx, `${job.kind} #${job.id}`, [['Repositories', `${BASE_PATH}/`], [job.repo, repoUrl(job.repo)], [`${job.kind} #${job.id}`, null]], body, { charts });
}

export function runPage(ctx: PageContext, detail: RunDetail): string {
  const { run, progress } = detail;
  const latest = progress.at(-1);
  const facts = [
    ['Repository', `<a href="${h(repoUrl(run.repo))}">${h(run.repo)}</a>`],
    ['Pull request', prLink(run.prUrl, run.pr)],
    ['Base', `<code>${h(run.baseRef)}</code>`],
    ['Head', `<code>${h(run.headRef)}</code>`],
    ['Started', when(run.startedAt)],
  ]
    .map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`)
    .join('');
  const log = progress.map((p) => `<li><span class="muted">${when(p.at, true)}</span> <strong>${h(p.phase)}</strong> ${h(p.message)}</li>`).join('\n');
  const charts: ChartSpec[] = [];
  let soakFigure = '';
  if (run.kind === 'soak') {
    const points = progress.filter((p) => p.memoryMiB && p.step !== undefined);
    const spec: ChartSpec = {
      id: 'soak-live',
      type: 'lines',
      title: 'Memory of each server so far (RssAnon, MiB), updating while the soak runs',
      description: 'Memory of base and head during the soak so far; the table after the chart lists every reading.',
      xLabel: 'seconds',
      yLabel: 'MiB',
      x: points.map((p) => p.step!),
      series: [
        { label: 'base', color: SERIES_COLORS[0], values: points.map((p) => p.memoryMiB!.base), line: true, points: true },
        { label: 'head', color: SERIES_COLORS[1], values: points.map((p) => p.memoryMiB!.head), line: true, points: true },
      ],
    };
    charts.push(spec);
    soakFigure = chartFigure(spec);
  }
  const step = latest?.step !== undefined && latest?.total ? `<progress id="run-progress" max="${latest.total}" value="${latest.step}">${latest.step} of ${latest.total}</progress>` : '<progress id="run-progress"></progress>';
  const resultLink = run.resultUrl ? `<a href="${h(run.resultUrl)}">See the result</a>` : '';
  const body = `<h1>${h(run.kind)} run #${run.id}: <span id="run-state">${stateBadge(run.state)}</span></h1>
<dl class="facts">${facts}</dl>
<section class="live" aria-labelledby="now-h"><h2 id="now-h">Now</h2>
${step}
<p id="run-status" aria-live="polite">${latest ? `<strong>${h(latest.phase)}</strong> ${h(latest.message)}` : 'Starting…'}</p>
<p id="run-result"${resultLink ? '' : ' hidden'}>${resultLink}</p>
<p id="run-error" class="error"${run.error ? '' : ' hidden'}>${h(run.error ?? '')}</p>
${run.state === 'interrupted' ? '<p class="error">This run is still marked running, but its process is gone: it was stopped or crashed.</p>' : ''}
</section>
${soakFigure}
<section aria-labelledby="log-h"><h2 id="log-h">Progress</h2><ol id="run-log" class="log">
${log}
</ol></section>`;
  return layout(ctx, `${run.kind} run #${run.id}`, [['Repositories', `${BASE_PATH}/`], [run.repo, repoUrl(run.repo)], [`run #${run.id}`, null]], body, {
    charts,
    run: { id: run.id, state: run.state, lastSeq: latest?.seq ?? 0, events: `${BASE_PATH}/api/runs/${run.id}/events`, api: `${BASE_PATH}/api/runs/${run.id}`, kind: run.kind },
  });
}

export function messagePage(ctx: PageContext, title: string, message: string): string {
  return layout(ctx, title, [['Repositories', `${BASE_PATH}/`], [title, null]], `<h1>${h(title)}</h1>\n<p>${message}</p>`);
}
