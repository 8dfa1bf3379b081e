// Everything the app reads from its environment, in one place. The names are the usual ones
// (DATABASE_URL, REDIS_URL), and the port is API_PORT, as in many apps: bumpbench's config maps it with
// `API_PORT: ${PORT}`.

function optionalInt(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number, not "${raw}"`);
  return n;
}

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see .env.example)`);
  return value;
}

export function readSettings() {
  return {
    databaseUrl: required('DATABASE_URL'),
    redisUrl: required('REDIS_URL'),
    port: optionalInt('API_PORT') ?? 3000,
    host: process.env.API_HOST || '127.0.0.1',
    sessionTtlSeconds: optionalInt('SESSION_TTL_SECONDS') ?? 3600,
    /** Refuse to start unless the database holds exactly this many articles (a check that state was reset). */
    expectArticles: optionalInt('EXPECT_ARTICLES'),
    /** The same for the number of keys in Redis. */
    expectRedisKeys: optionalInt('EXPECT_REDIS_KEYS'),
  };
}
