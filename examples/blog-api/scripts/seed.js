// `npm run seed`: the data every benchmark sample starts from. Deterministic (no random titles), so
// scenarios can name real articles (/articles/1 … /articles/300): 20 users (user1@example.com / password1, …), 300 articles, and in Redis
// two long-lived sessions (tokens "demo-token" and "reader-token") and the site settings.
import { slugify } from '@bumpbench-examples/textkit';
import { hashPassword } from '../lib/passwords.js';
import { createPool } from '../lib/pg.js';
import { createRedis } from '../lib/redis.js';
import { readSettings } from '../lib/settings.js';
import { buildArticles } from '../lib/titles.js';

const SEED = { users: 20, articles: 300 };

const settings = readSettings();
const db = await createPool(settings.databaseUrl, 1);
const redis = createRedis(settings.redisUrl);
try {
  await redis.ready;
  await db.exec('TRUNCATE articles, users RESTART IDENTITY CASCADE');
  for (let i = 1; i <= SEED.users; i++) {
    // A salt derived from the user keeps the seed the same on every run.
    const { salt, hash } = hashPassword(`password${i}`, `seed-salt-${i}`);
    await db.query('INSERT INTO users (email, name, password_salt, password_hash) VALUES ($1, $2, $3, $4)', [`user${i}@example.com`, `User ${i}`, salt, hash]);
  }
  const taken = new Set();
  for (const [i, article] of buildArticles(SEED.articles).entries()) {
    let slug = slugify(article.title);
    while (taken.has(slug)) slug = `${slug}-x`;
    taken.add(slug);
    await db.query('INSERT INTO articles (slug, title, body, tags, author_id) VALUES ($1, $2, $3, $4, $5)', [slug, article.title, article.body, article.tags, (i % SEED.users) + 1]);
  }
  await redis.command('FLUSHDB');
  await redis.command('SET', 'session:demo-token', '1');
  await redis.command('SET', 'session:reader-token', '2');
  await redis.command('HSET', 'site', 'name', 'Example blog', 'articlesPerPage', '20');
  console.log(`seeded ${SEED.users} users, ${SEED.articles} articles, 3 redis keys`);
} finally {
  db.close();
  redis.close();
}
