// Tiny node:http servers written to a temp dir, and a direct /proc reader for assertions (independent of
// the code under test).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A server answering every request via `handler` (a JS function body with req, res in scope). */
export function httpServerScript(handler: string, setup = ''): string {
  return `import http from 'node:http';
${setup}
const server = http.createServer((req, res) => { ${handler} });
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on ' + process.env.PORT));
`;
}

export const SCRIPTS: Record<string, string> = {
  'hello.mjs': httpServerScript(`res.end('hello');`),
  'echo-env.mjs': httpServerScript(
    `res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ env: process.env }));`,
  ),
  'slow.mjs': httpServerScript(`setTimeout(() => res.end('slow'), 20);`),
  // Remembers the last request and counts requests; GET /last reports them.
  'record.mjs': httpServerScript(
    `if (req.url === '/last') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ ...last, count })); return; }
     let body = ''; req.on('data', (c) => (body += c));
     req.on('end', () => { count++; last = { method: req.method, url: req.url, header: req.headers['x-bench'] ?? null, body }; res.end('ok'); });`,
    'let last = null; let count = 0;',
  ),
  // Healthy on /health, 500 everywhere else.
  'error.mjs': httpServerScript(`res.statusCode = req.url === '/health' ? 200 : 500; res.end('boom');`),
  // Busy for ~3 ms per request, so the server's CPU shows up in /proc.
  'cpu.mjs': httpServerScript(`const end = Date.now() + 3; let x = 0; while (Date.now() < end) x++; res.end(String(x));`),
  // 503 for the first 600 ms, then 200: readiness must wait for a 2xx, not just a connection.
  'late-ready.mjs': httpServerScript(
    `res.statusCode = Date.now() - started < 600 ? 503 : 200; res.end();`,
    'const started = Date.now();',
  ),
  // Listens, but /health never answers 2xx.
  'never-ready.mjs': httpServerScript(`res.statusCode = 404; res.end();`),
  'crash.mjs': `console.log('starting up');\nconsole.error('Error: cannot find config file app.json');\nprocess.exit(1);\n`,
  // A helper process that ignores SIGTERM: stop() must escalate to SIGKILL.
  'stubborn.mjs': `process.on('SIGTERM', () => console.log('ignoring SIGTERM'));\nsetInterval(() => {}, 1000);\nconsole.log('stubborn pid ' + process.pid);\n`,
};

export function makeAppDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bumpbench-bench-'));
  for (const [name, text] of Object.entries(SCRIPTS)) writeFileSync(join(dir, name), text);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

interface Proc {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

function readProcs(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(name), state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]) });
    } catch {
      // gone
    }
  }
  return out;
}

/** Running (non-zombie) processes whose process group is pgid. */
export function liveGroupMembers(pgid: number): number[] {
  return readProcs()
    .filter((p) => p.pgrp === pgid && p.state !== 'Z')
    .map((p) => p.pid);
}

export function isRunning(pid: number): boolean {
  return readProcs().some((p) => p.pid === pid && p.state !== 'Z');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
