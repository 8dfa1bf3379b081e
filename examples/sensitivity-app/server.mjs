// The sensitivity benchmark's app: two endpoints whose CPU cost per request is a fixed number of loop
// iterations read from cost.json, so a commit that raises `items` by 10% makes /items do exactly 10% more
// work and changes nothing else. The loop dominates the request (~4.1 of ~4.3 ms of CPU on the EPYC VM it was measured on),
// so +10% work is ~+9.6% CPU per request. COST_SCALE (default 1) scales both endpoints, to fit the app to
// a faster or slower machine without touching the commits being compared.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const cost = JSON.parse(readFileSync(new URL('./cost.json', import.meta.url), 'utf8'));

const scale = Number(process.env.COST_SCALE ?? '1');
if (!(scale > 0)) throw new Error(`COST_SCALE must be a positive number, got "${process.env.COST_SCALE}"`);
const iterations = { items: Math.round(cost.items * scale), search: Math.round(cost.search * scale) };

// Integer arithmetic the JIT cannot drop or hoist: time is linear in n.
function burn(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003;
  return x;
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/health') return res.end('ok');
  if (url === '/items') return res.end(JSON.stringify({ checksum: burn(iterations.items) }));
  if (url.startsWith('/search')) return res.end(JSON.stringify({ checksum: burn(iterations.search) }));
  res.statusCode = 404;
  res.end('not found');
});

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`sensitivity app on ${process.env.HOST ?? '127.0.0.1'}:${server.address().port}, iterations ${JSON.stringify(iterations)}`);
});
