// Example API benchmarked by the bumpbench demo. Plain node:http, no build step.
//   GET /health  readiness
//   GET /slug    slug for a new article title, checked against the slugs of the whole catalogue
//                (uses @bumpbench-examples/textkit: a slower slugify shows up here)
//   GET /stats   word statistics over the catalogue, no textkit (a control: unaffected by the bump)
//   GET /card    a small HTML card touching each of the other example libraries once
import { createServer } from 'node:http';
import { slugify, wordCount, truncate } from '@bumpbench-examples/textkit';
import { formatBytes } from '@bumpbench-examples/units';
import { backoffSchedule, isRetryableStatus } from '@bumpbench-examples/retry-policy';
import { mix } from '@bumpbench-examples/color';
import { parse as parseQuery } from '@bumpbench-examples/query-string-lite';
import { formatMs } from '@bumpbench-examples/ms-format';
import { merge } from '@bumpbench-examples/deep-merge';
import { escapeHtml } from '@bumpbench-examples/html-escape';
import { uuid4 } from '@bumpbench-examples/uuid-lite';
import { buildCatalog } from './catalog.js';

const CATALOG_SIZE = Number(process.env.CATALOG_SIZE ?? 600);
const catalog = buildCatalog(CATALOG_SIZE);
const startedAt = Date.now();

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// Naive on purpose, like much real code: the catalogue's slugs are recomputed on every request rather
// than cached, so the cost of slugify dominates this endpoint.
function slugRoute(url) {
  const title = url.searchParams.get('title') ?? 'Untitled draft';
  const slug = slugify(title);
  let taken = 0;
  const similar = [];
  const prefix = slug.split('-')[0];
  for (const existing of catalog) {
    const other = slugify(existing);
    if (other === slug) taken += 1;
    else if (similar.length < 5 && prefix !== '' && other.startsWith(prefix)) similar.push(other);
  }
  return { slug: taken === 0 ? slug : `${slug}-${taken + 1}`, taken: taken > 0, similar, words: wordCount(title) };
}

// About the same amount of string work as /slug, written without textkit.
function statsRoute(url) {
  const top = Number(url.searchParams.get('top') ?? 10);
  const counts = new Map();
  let letters = 0;
  let longest = '';
  for (const title of catalog) {
    for (const raw of title.split(' ')) {
      const word = raw.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
      if (word === '') continue;
      letters += word.length;
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    if (title.length > longest.length) longest = title;
  }
  const words = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return {
    titles: catalog.length,
    distinctWords: counts.size,
    averageWordLength: Number((letters / [...counts.values()].reduce((a, b) => a + b, 0)).toFixed(2)),
    top: words.slice(0, top),
    longest,
  };
}

const CARD_DEFAULTS = { theme: { accent: '#3366ff', background: '#ffffff' }, size: 1536, retry: { retries: 3 } };

function cardRoute(rawQuery) {
  const query = parseQuery(rawQuery);
  const options = merge(CARD_DEFAULTS, { theme: { accent: typeof query.accent === 'string' ? `#${query.accent}` : undefined } });
  const accent = mix(options.theme.accent ?? CARD_DEFAULTS.theme.accent, options.theme.background, 0.2) ?? '#000000';
  const index = Math.abs(Number(query.id ?? 0)) % catalog.length;
  const title = truncate(catalog[index], 60);
  const delays = backoffSchedule({ retries: options.retry.retries, random: () => 0.5 });
  return [
    `<article id="card-${uuid4()}" style="border-color:${accent}">`,
    `<h2>${escapeHtml(title)}</h2>`,
    `<p>Attachment: ${formatBytes(options.size)}. Up for ${formatMs(Date.now() - startedAt)}.</p>`,
    `<p>Retries after ${delays.join(', ')} ms; 503 is ${isRetryableStatus(503) ? '' : 'not '}retried.</p>`,
    '</article>',
  ].join('\n');
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  try {
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (url.pathname === '/health') {
      sendJson(res, 200, { status: 'ok' });
    } else if (url.pathname === '/slug') {
      sendJson(res, 200, slugRoute(url));
    } else if (url.pathname === '/stats') {
      sendJson(res, 200, statsRoute(url));
    } else if (url.pathname === '/card') {
      const html = cardRoute(url.search);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
      res.end(html);
    } else {
      sendJson(res, 404, { error: `no route ${url.pathname}` });
    }
  } catch (error) {
    sendJson(res, 500, { error: String(error) });
  }
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1', () => {
  console.log(`example API listening on http://127.0.0.1:${port}`);
});

// Exit cleanly on SIGTERM so the benchmark's process accounting sees a normal end.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
