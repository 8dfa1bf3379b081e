// Example blog API that needs PostgreSQL and Redis, benchmarked by bumpbench's tests and docs.
//   GET  /health               readiness
//   POST /login                { email, password } → { token } (a session in Redis)
//   GET  /articles/:id|:slug   an article with its author and related articles (needs a session); its
//                              related list slugifies the catalogue's titles with @bumpbench-examples/textkit,
//                              so a slower slugify shows here
//   POST /articles             { title, body, tags } → 201 { slug } (needs a session): changes stored state
// On start it counts the articles and Redis keys it finds and, when EXPECT_ARTICLES / EXPECT_REDIS_KEYS
// are set, refuses to run on anything but the seeded state.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { slugify } from '@bumpbench-examples/textkit';
import { verifyPassword } from './lib/passwords.js';
import { createPool } from './lib/pg.js';
import { createRedis } from './lib/redis.js';
import { readSettings } from './lib/settings.js';

const settings = readSettings();
const db = await createPool(settings.databaseUrl, 4);
const redis = createRedis(settings.redisUrl);
await redis.ready;

const articlesAtStart = (await db.query('SELECT count(*) AS n FROM articles')).rows[0].n;
const keysAtStart = await redis.command('DBSIZE');
console.log(`starting with ${articlesAtStart} articles and ${keysAtStart} redis keys`);
for (const [what, found, expected] of [['articles', articlesAtStart, settings.expectArticles], ['redis keys', keysAtStart, settings.expectRedisKeys]]) {
  if (expected !== null && found !== expected) {
    console.error(`expected ${expected} ${what} at start, found ${found}: the data is not in its seeded state`);
    process.exit(1);
  }
}

// The titles the related list is drawn from, read once.
const catalogue = (await db.query('SELECT slug, title FROM articles ORDER BY id')).rows;

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

/** The user id of the request's session (Authorization: Bearer <token>), or 401. */
async function authenticate(req) {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  const userId = match ? await redis.command('GET', `session:${match[1]}`) : null;
  if (!userId) throw new HttpError(401, 'log in first: POST /login');
  return Number(userId);
}

async function login(req) {
  const { email, password } = await readJson(req);
  const user = (await db.query('SELECT id, name, password_salt, password_hash FROM users WHERE email = $1', [String(email ?? '')])).rows[0];
  if (!user || !(await verifyPassword(String(password ?? ''), user.password_salt, user.password_hash))) throw new HttpError(401, 'wrong email or password');
  const token = randomBytes(18).toString('base64url');
  await redis.command('SET', `session:${token}`, String(user.id), 'EX', String(settings.sessionTtlSeconds));
  return { token, user: { id: user.id, name: user.name } };
}

// Related articles: the ones whose slugs share the most words with this one. Naive on purpose, like much
// real code: every title is slugified on every request rather than once.
function related(article) {
  const words = new Set(slugify(article.title).split('-'));
  const scored = [];
  for (const other of catalogue) {
    if (other.slug === article.slug) continue;
    const shared = slugify(other.title).split('-').filter((w) => words.has(w)).length;
    if (shared > 0) scored.push({ slug: other.slug, shared });
  }
  return scored.sort((a, b) => b.shared - a.shared || (a.slug < b.slug ? -1 : 1)).slice(0, 5);
}

async function showArticle(req, key) {
  await authenticate(req);
  const byId = /^\d+$/.test(key);
  const article = (
    await db.query(
      `SELECT a.id, a.slug, a.title, a.body, a.tags, a.published_at, u.name AS author FROM articles a JOIN users u ON u.id = a.author_id WHERE ${byId ? 'a.id = $1' : 'a.slug = $1'}`,
      [key],
    )
  ).rows[0];
  if (!article) throw new HttpError(404, `no article ${key}`);
  const views = await redis.command('INCR', `views:${article.id}`);
  return { ...article, tags: article.tags.split(','), views, related: related(article) };
}

async function publish(req) {
  const userId = await authenticate(req);
  const { title, body = '', tags = [] } = await readJson(req);
  if (typeof title !== 'string' || title.trim() === '') throw new HttpError(400, 'title is required');
  const slug = `${slugify(title)}-${randomBytes(4).toString('hex')}`;
  await db.query('INSERT INTO articles (slug, title, body, tags, author_id) VALUES ($1, $2, $3, $4, $5)', [slug, title, String(body), [].concat(tags).join(','), userId]);
  return { slug };
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  try {
    if (req.method === 'GET' && url.pathname === '/health') return sendJson(res, 200, { status: 'ok' });
    if (req.method === 'POST' && url.pathname === '/login') return sendJson(res, 200, await login(req));
    if (req.method === 'POST' && url.pathname === '/articles') return sendJson(res, 201, await publish(req));
    const article = /^\/articles\/([\w-]+)$/.exec(url.pathname);
    if (req.method === 'GET' && article) return sendJson(res, 200, await showArticle(req, article[1]));
    return sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  } catch (error) {
    if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message });
    console.error(error);
    return sendJson(res, 500, { error: String(error) });
  }
});

server.listen(settings.port, settings.host, () => {
  console.log(`blog API listening on http://${settings.host}:${settings.port}`);
});

// Exit cleanly on SIGTERM so the benchmark's process accounting sees a normal end.
process.on('SIGTERM', () =>
  server.close(() => {
    db.close();
    redis.close();
    process.exit(0);
  }),
);
