// A real HTTP app for engine tests: `/work` burns a CPU cost read from work.json, `/other` a fixed cost.
// Raising work.json's `work` by 30% makes `/work` do 30% more work per request, and nothing else.
export const CPU_APP_SERVER = `
const http = require('node:http');
const { work } = require('./work.json');
function burn(n) { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003; return x; }
const server = http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  if (req.url === '/work') return res.end(String(burn(work)));
  if (req.url === '/other') return res.end(String(burn(200000)));
  res.statusCode = 404; res.end();
});
server.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
`;

export function cpuAppConfig(opts: { min?: number; max?: number; duration?: string; extra?: string } = {}): string {
  return `install: "true"
start: node server.js
ready: /health
repeats: { min: ${opts.min ?? 6}, max: ${opts.max ?? 10} }
# No observe runs: these tests are about measuring, not hints (test/integration/hints*.test.ts are).
hints: false
scenarios:
  - name: work
    path: /work
    connections: 4
    duration: ${opts.duration ?? '1s'}
    warmup: 300ms
  - name: other
    path: /other
    connections: 4
    duration: ${opts.duration ?? '1s'}
    warmup: 300ms
${opts.extra ?? ''}`;
}

export function cpuAppFiles(work: number, config = cpuAppConfig()): Record<string, string> {
  return {
    'server.js': CPU_APP_SERVER,
    'work.json': JSON.stringify({ work }),
    '.github/bumpbench.yml': config,
  };
}
