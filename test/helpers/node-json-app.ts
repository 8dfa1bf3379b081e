// A real Node HTTP app for runtime tests: `/catalog` serialises 200 records with JSON.stringify (which
// V8 made markedly faster between Node 20 and 22: about 30% on this machine), `/work` is a plain integer
// loop (about the same on both).
export const NODE_JSON_SERVER = `
const http = require('node:http');
const items = Array.from({ length: 200 }, (_, i) => ({
  id: i, name: 'item-' + i, tags: ['new', 'sale', 'kitchen'], price: i * 1.5,
  meta: { owner: 'x'.repeat(40), active: i % 2 === 0, ratio: null },
}));
function burn(n) { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003; return x; }
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  if (req.url === '/catalog') return res.end(JSON.stringify(items));
  if (req.url === '/work') return res.end(String(burn(300000)));
  res.statusCode = 404;
  res.end();
}).listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
`;

export function nodeJsonConfig(opts: { min?: number; max?: number } = {}): string {
  return `install: "true"
start: node server.js
ready: /health
repeats: { min: ${opts.min ?? 6}, max: ${opts.max ?? 10} }
hints: false
scenarios:
  - name: catalog
    path: /catalog
    connections: 4
    duration: 1s
    warmup: 300ms
  - name: work
    path: /work
    connections: 4
    duration: 1s
    warmup: 300ms
`;
}

export function nodeJsonFiles(config = nodeJsonConfig()): Record<string, string> {
  return { 'server.js': NODE_JSON_SERVER, '.github/bumpbench.yml': config };
}
