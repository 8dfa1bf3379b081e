// A real HTTP app with a login, for the traffic tests: POST /login checks a password and hands out a fresh
// token (JSON field), a header and a cookie; GET /items/:id needs the token and knows ids 1..300 (404
// otherwise); POST /items needs the token and a JSON body with a numeric id and a text title (400
// otherwise). GET /stats tells the test what it was asked: distinct ids, reads and writes, refusals.
export const LOGIN_APP_SERVER = `
const http = require('node:http');
const crypto = require('node:crypto');
const tokens = new Set();
const stats = { ids: new Set(), reads: 0, writes: 0, refused: 0, logins: 0 };
function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
function authorised(req) {
  const m = /^Bearer (\\S+)$/.exec(req.headers.authorization || '');
  return m !== null && tokens.has(m[1]) && req.headers['x-session'] === 'sid-' + m[1].slice(0, 6) && (req.headers.cookie || '').includes('sid=' + m[1].slice(0, 6));
}
http.createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/health') return send(res, 200, { ok: true });
    if (url.pathname === '/stats') return send(res, 200, { ...stats, ids: stats.ids.size });
    if (req.method === 'POST' && url.pathname === '/login') {
      let body = {};
      try { body = JSON.parse(raw); } catch {}
      if (body.user !== 'bench' || body.password !== 'secret') return send(res, 401, { error: 'wrong user or password' });
      const token = crypto.randomBytes(12).toString('hex');
      tokens.add(token);
      stats.logins++;
      return send(res, 200, { data: { token, ids: [1, 2, 3] } }, { 'x-session': 'sid-' + token.slice(0, 6), 'set-cookie': 'sid=' + token.slice(0, 6) + '; Path=/; HttpOnly' });
    }
    if (!authorised(req)) { stats.refused++; return send(res, 401, { error: 'log in first' }); }
    const item = /^\\/items\\/(\\d+)$/.exec(url.pathname);
    if (req.method === 'GET' && item) {
      const id = Number(item[1]);
      if (id < 1 || id > 300) return send(res, 404, { error: 'no item ' + id });
      stats.ids.add(id); stats.reads++;
      return send(res, 200, { id, name: 'item ' + id });
    }
    if (req.method === 'POST' && url.pathname === '/items') {
      let body = null;
      try { body = JSON.parse(raw); } catch {}
      if (!body || typeof body.id !== 'number' || typeof body.title !== 'string') return send(res, 400, { error: 'want { id: number, title: string }' });
      stats.writes++;
      return send(res, 201, { id: body.id });
    }
    send(res, 404, { error: 'no route' });
  });
}).listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
`;

/** The login of the app, the way a config writes it (`password` wrong on purpose when asked). */
export function loginAppLogin(password = 'secret'): string {
  return `login:
  path: /login
  body: { user: bench, password: ${password} }
  capture:
    token: { json: data.token }
    session: { header: x-session }
    sid: { cookie: sid }
`;
}

/** Headers every authenticated request needs. */
export const LOGIN_APP_AUTH = `{ authorization: "Bearer {{token}}", x-session: "{{session}}", cookie: "sid={{sid}}" }`;

/** Two scenarios: reads of varied ids, and a 3:1 mix of reads and JSON writes. */
export function loginAppScenarios(opts: { duration?: string; warmup?: string; connections?: number } = {}): string {
  const timing = `connections: ${opts.connections ?? 4}
    duration: ${opts.duration ?? '1s'}
    warmup: ${opts.warmup ?? '300ms'}`;
  return `scenarios:
  - name: items
    path: /items/{{id}}
    headers: ${LOGIN_APP_AUTH}
    values:
      id: { from: 1, to: 300 }
    ${timing}
  - name: mix
    headers: ${LOGIN_APP_AUTH}
    values:
      id: { from: 1, to: 300 }
    requests:
      - { weight: 3, path: "/items/{{id}}" }
      - { weight: 1, method: POST, path: /items, body: { id: "{{id}}", title: "item {{id}}" } }
    ${timing}
`;
}

export function loginAppFiles(config: string): Record<string, string> {
  return { 'server.js': LOGIN_APP_SERVER, '.github/bumpbench.yml': config };
}
