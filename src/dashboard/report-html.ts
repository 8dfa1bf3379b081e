// The PR comment's markdown (src/report/markdown.ts) as HTML for the job page. Only the subset the report
// writes is understood: headings, paragraphs, **bold**, `code`, [links](https://…), tables, "- " lists,
// <details>/<summary>, <sub>, fenced code, and mermaid `xychart-beta` blocks, which become chart specs drawn
// by the page's charting library. Everything else is text: every character of the input is escaped first,
// so package names, refs, notes and server output can never inject markup.
import { escapeHtml } from './html.ts';

/** A chart for the page's client script (src/dashboard/assets/dashboard.js). */
export interface ChartSpec {
  id: string;
  type: 'bars' | 'lines' | 'history';
  title: string;
  /** Text alternative: what the chart shows, in one sentence. */
  description: string;
  xLabel?: string;
  yLabel?: string;
  /** Categories for bars / labelled lines (the x values are then 0…n−1). */
  xLabels?: string[];
  /** x values (seconds for time axes). */
  x: number[];
  xTime?: boolean;
  series: { label: string; color: string; values: (number | null)[]; points?: boolean; line?: boolean }[];
  /** Interval of each x (history): drawn as a whisker through the point. */
  whiskers?: { lo: (number | null)[]; hi: (number | null)[] };
  /** Noise band around 0 (history): ± this at each x. */
  band?: (number | null)[];
  /** Page to open for each x (history: the job). */
  links?: (string | null)[];
  /** Extra text per x for the tooltip. */
  notes?: (string | null)[];
}

export const SERIES_COLORS = ['#1f5fa8', '#b3261e', '#2e7d32', '#7b3fa0', '#8a5a00', '#00696f'];

/** Parses one mermaid xychart-beta block as the report writes it (src/report/charts.ts). */
export function parseXyChart(lines: string[], id: string): ChartSpec | null {
  let title = '';
  let xLabel: string | undefined;
  let yLabel: string | undefined;
  let categories: string[] = [];
  const bars: number[][] = [];
  const lineSeries: number[][] = [];
  const list = (text: string) =>
    [...text.matchAll(/"([^"]*)"|([^,\s][^,]*)/g)].map((m) => (m[1] ?? m[2]).trim()).filter((v) => v !== '');
  for (const raw of lines) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^title\s+"(.*)"$/.exec(line))) title = m[1];
    else if ((m = /^x-axis\s*(?:"([^"]*)")?\s*\[(.*)\]$/.exec(line))) {
      xLabel = m[1];
      categories = list(m[2]);
    } else if ((m = /^y-axis\s*"([^"]*)"/.exec(line))) yLabel = m[1];
    else if ((m = /^(bar|line)\s*\[(.*)\]$/.exec(line))) {
      const values = list(m[2]).map(Number);
      (m[1] === 'bar' ? bars : lineSeries).push(values);
    }
  }
  const all = [...bars, ...lineSeries];
  if (categories.length === 0 || all.length === 0 || all.some((v) => v.some((n) => !Number.isFinite(n)))) return null;
  // The soak chart draws base, then head (its title says so); other charts have a single series.
  const names = lineSeries.length === 2 && /base, then head/.test(title) ? ['base', 'head'] : lineSeries.map((_, i) => (lineSeries.length > 1 ? `series ${i + 1}` : yLabel ?? 'value'));
  // Numbers on a named axis (the soak's minutes) are a scale; anything else (release versions) is a category.
  const numericX = xLabel !== undefined && categories.every((c) => /^-?\d+(\.\d+)?$/.test(c));
  return {
    id,
    type: bars.length ? 'bars' : 'lines',
    title,
    description: `${title}. The table after the chart lists every value.`,
    // The report's only category axes: metrics (the compare's bars) and releases (the bisect's line).
    xLabel: xLabel ?? (bars.length ? 'metric' : 'release'),
    yLabel,
    xLabels: numericX ? undefined : categories,
    x: numericX ? categories.map(Number) : categories.map((_, i) => i),
    series: [
      ...bars.map((values) => ({ label: yLabel ?? 'value', color: SERIES_COLORS[0], values })),
      ...lineSeries.map((values, i) => ({ label: names[i], color: SERIES_COLORS[(i + (bars.length ? 1 : 0)) % SERIES_COLORS.length], values, points: true, line: true })),
    ],
  };
}

const VERDICT_EMOJI: Record<string, string> = { '🔴': 'regression', '🟢': 'improvement', '⚪': 'unchanged', '🟡': 'inconclusive' };

/** Inline markdown of one line: `code`, **bold**, [links](https://… or /…); the report's verdict emoji become badges. */
export function inline(text: string): string {
  const codes: string[] = [];
  // Code spans out first (as placeholders), so nothing inside them is formatted but bold may wrap them.
  let html = escapeHtml(text.replace(/\u0000/g, '').replace(/`([^`]*)`/g, (_, code: string) => `\u0000${codes.push(code) - 1}\u0000`));
  html = html.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
  html = html.replace(/\[([^\]]+)\]\(((?:https?:\/\/|\/)[^\s)]+)\)/g, (_, label: string, href: string) => `<a href="${href}">${label}</a>`);
  html = html.replace(/(🔴|🟢|⚪|🟡) (regression|improvement|unchanged|inconclusive)/gu, (_, emoji: string, word: string) =>
    VERDICT_EMOJI[emoji] === word ? `<span class="verdict verdict-${word}">${word}</span>` : `${emoji} ${word}`,
  );
  html = html.replace(/⚠️/gu, '<span class="warn" aria-label="warning">!</span>');
  return html.replace(/\u0000(\d+)\u0000/g, (_, i: string) => `<code>${escapeHtml(codes[Number(i)])}</code>`);
}

function table(rows: string[]): string {
  const cells = (row: string) => row.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
  const [header, separator, ...body] = rows;
  const align = cells(separator ?? '').map((c) => (c.endsWith(':') ? ' class="num"' : ''));
  const head = cells(header).map((c, i) => `<th scope="col"${align[i] ?? ''}>${inline(c)}</th>`).join('');
  const bodyHtml = body.map((r) => `<tr>${cells(r).map((c, i) => `<td${align[i] ?? ''}>${inline(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${bodyHtml}\n</tbody></table></div>`;
}

export interface RenderedReport {
  html: string;
  charts: ChartSpec[];
}

/**
 * `chartFor` may replace a parsed chart (the job page draws a soak's full memory series instead of the
 * comment's 40 slots) or drop it (null).
 */
export function reportToHtml(markdown: string, opts: { idPrefix?: string; chartFor?: (spec: ChartSpec) => ChartSpec | null } = {}): RenderedReport {
  const lines = markdown.split('\n');
  const out: string[] = [];
  const charts: ChartSpec[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) out.push(`<p>${paragraph.map(inline).join('<br>')}</p>`);
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let m: RegExpExecArray | null;
    if ((m = /^```(\w*)\s*$/.exec(line))) {
      flush();
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
      if (m[1] === 'mermaid' && body[0]?.trim() === 'xychart-beta') {
        const parsed = parseXyChart(body.slice(1), `${opts.idPrefix ?? 'report'}-chart-${charts.length + 1}`);
        const spec = parsed && opts.chartFor ? opts.chartFor(parsed) : parsed;
        if (spec) {
          charts.push(spec);
          out.push(chartFigure(spec));
        }
      } else {
        out.push(`<pre><code>${escapeHtml(body.join('\n'))}</code></pre>`);
      }
    } else if (line.startsWith('|')) {
      flush();
      const rows: string[] = [];
      for (; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i]);
      i--;
      out.push(table(rows));
    } else if ((m = /^(#{1,4})\s+(.*)$/.exec(line))) {
      flush();
      const level = Math.min(6, m[1].length + 1);
      out.push(`<h${level}>${inline(m[2])}</h${level}>`);
    } else if (/^- /.test(line)) {
      flush();
      const items: string[] = [];
      for (; i < lines.length && /^- /.test(lines[i]); i++) items.push(`<li>${inline(lines[i].slice(2))}</li>`);
      i--;
      out.push(`<ul>${items.join('')}</ul>`);
    } else if ((m = /^<details><summary>(.*)<\/summary>$/.exec(line))) {
      flush();
      out.push(`<details><summary>${inline(m[1])}</summary>`);
    } else if (line === '</details>') {
      flush();
      out.push('</details>');
    } else if ((m = /^<sub>(.*)<\/sub>$/.exec(line))) {
      flush();
      out.push(`<p class="fine">${inline(m[1])}</p>`);
    } else if (line.trim() === '') {
      flush();
    } else {
      paragraph.push(line);
    }
  }
  flush();
  return { html: out.join('\n'), charts };
}

/** The chart's place on the page: a labelled, focusable figure and, as its text alternative, a data table. */
export function chartFigure(spec: ChartSpec): string {
  const xName = spec.xLabel ?? (spec.xTime ? 'Finished' : 'x');
  const header = [`<th scope="col">${escapeHtml(xName)}</th>`, ...spec.series.map((s) => `<th scope="col" class="num">${escapeHtml(s.label)}</th>`)].join('');
  const rows = spec.x
    .map((x, i) => {
      const label = spec.xLabels?.[i] ?? (spec.xTime ? new Date(x * 1000).toISOString().replace('T', ' ').slice(0, 19) : String(x));
      const values = spec.series.map((s) => `<td class="num">${s.values[i] === null || s.values[i] === undefined ? '—' : s.values[i]}</td>`).join('');
      return `<tr><th scope="row">${escapeHtml(label)}</th>${values}</tr>`;
    })
    .join('\n');
  return `<figure class="chart" id="${spec.id}">
<figcaption>${escapeHtml(spec.title)}</figcaption>
<div class="chart-canvas" data-chart="${spec.id}" tabindex="0" role="img" aria-label="${escapeHtml(spec.description)}"></div>
<details class="chart-table"><summary>Data of this chart as a table</summary><div class="table-wrap"><table><thead><tr>${header}</tr></thead><tbody>
${rows}
</tbody></table></div></details>
</figure>`;
}
