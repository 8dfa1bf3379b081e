// The config of services, setup, env_file and ${...} in env: what is accepted, and the one line that says
// what is wrong with what is not.
import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/config/env-file.ts';
import { expandEnv, UnknownVariableError } from '../../src/config/interpolate.ts';
import { ConfigError, validateConfig } from '../../src/config/load.ts';

const minimal = { start: 'node server.js', scenarios: [{ name: 'home', path: '/' }] };

function problemsOf(data: Record<string, unknown>): string[] {
  try {
    validateConfig({ ...minimal, ...data });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('services config', () => {
  it('takes known kinds and start commands, with their defaults', () => {
    const config = validateConfig({
      ...minimal,
      services: { db: { kind: 'postgres', database: 'shop' }, cache: { kind: 'redis' }, search: { start: 'exec meili --http-addr $HOST:$PORT', ready: { http: '/health' } } },
      setup: 'npm run migrate',
    });
    expect(config.services.db).toEqual({ kind: 'postgres', database: 'shop', args: [], reset: 'template' });
    expect(config.services.search.ready).toEqual({ http: '/health', timeout: 30_000 });
    expect(config.setup).toEqual(['npm run migrate']);
    expect(validateConfig(minimal).services).toEqual({});
  });

  it('says what is wrong with a service in one line naming its key', () => {
    expect(problemsOf({ services: { db: {} } })).toEqual(['services.db: give a kind (postgres, mysql, mariadb, redis, mongodb) or a start command, e.g. kind: postgres']);
    expect(problemsOf({ services: { db: { kind: 'postgresql' } } })).toEqual([
      'services.db.kind: one of postgres, mysql, mariadb, redis, mongodb, or leave it out and give `start`',
    ]);
    expect(problemsOf({ services: { db: { kind: 'redis', start: 'redis-server' } } })).toEqual(['services.db: give a kind or a start command, not both']);
    expect(problemsOf({ services: { cache: { kind: 'redis', database: 'x' } } })).toEqual(['services.cache.database: only for postgres, mysql, mariadb, mongodb']);
    expect(problemsOf({ services: { db: { kind: 'postgres', ready: { log: 'ok', http: '/' } } } })).toEqual(['services.db.ready: give one of log, command or http, not log and http']);
    expect(problemsOf({ services: { 'my db': { kind: 'postgres' } } })).toEqual([expect.stringMatching(/^services\.my db: a service name/)]);
  });

  it('refuses two services exporting the same variable, saying how to part them', () => {
    expect(problemsOf({ services: { db: { kind: 'postgres' }, replica: { kind: 'postgres' } } })).toEqual([
      'services.replica: exports DATABASE_URL like services.db; give one of them its own env, e.g. env: { REPLICA_URL: "${services.replica.url}" }',
      ...['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'].map((v) => expect.stringContaining(`exports ${v} like services.db`)),
    ]);
    expect(() => validateConfig({ ...minimal, services: { db: { kind: 'postgres' }, replica: { kind: 'postgres', env: { REPLICA_URL: '${services.replica.url}' } } } })).not.toThrow();
  });
});

describe('${...} in env', () => {
  it('accepts PORT, HOST, other keys, service fields and exports', () => {
    const config = validateConfig({
      ...minimal,
      services: { db: { kind: 'postgres' } },
      env: { API_PORT: '${PORT}', BASE: 'http://${HOST}:${PORT}', API: '${BASE}/api', DB_PORT: '${services.db.port}', URL: '${DATABASE_URL}?ssl=false', LITERAL: '$${NOT_EXPANDED}' },
    });
    expect(config.env.API_PORT).toBe('${PORT}');
  });

  it('refuses a name nothing defines, naming the key and what may be used', () => {
    expect(problemsOf({ env: { API_URL: 'http://${HOSTNAME}:${PORT}' } })).toEqual([
      'env.API_URL: ${HOSTNAME} is not a known variable: use PORT, HOST, a key of env or env_file, or ${services.NAME.port} (host, url, user, password, database)',
    ]);
    expect(problemsOf({ env: { DB: '${services.db.port}' } })).toEqual(['env.DB: ${services.db.port} names no service: add it under `services:`']);
    expect(problemsOf({ services: { cache: { kind: 'redis' } }, env: { DB: '${services.cache.user}' } })).toEqual([
      'env.DB: ${services.cache.user} is not a field of services.cache: use host, port, url',
    ]);
    expect(problemsOf({ services: { db: { kind: 'postgres', env: { X: '${PORT}' } } } })).toEqual([
      "services.db.env.X: ${PORT} is not a known variable: write ${services.NAME.FIELD}, e.g. ${services.db.port}: a service's env may use ${HOST} and ${services.NAME.FIELD}",
    ]);
  });

  it('leaves bare names to the env_file when there is one (its keys are known at the commit only)', () => {
    expect(() => validateConfig({ ...minimal, env_file: '.env.example', env: { URL: '${APP_URL}/x' } })).not.toThrow();
  });

  it('expands in dependency order, an entry naming itself extends the lower layer, PORT only where given', () => {
    const env = { API: '${BASE}/api', BASE: 'http://${HOST}:${PORT}', DATABASE_URL: '${DATABASE_URL}?ssl=false', NAME: 'app', LIT: '$${X}' };
    const vars = { HOST: '127.0.0.1', DATABASE_URL: 'postgres://h/db' };
    expect(expandEnv(env, { ...vars, PORT: '4000' })).toEqual({
      API: 'http://127.0.0.1:4000/api', BASE: 'http://127.0.0.1:4000', DATABASE_URL: 'postgres://h/db?ssl=false', NAME: 'app', LIT: '${X}',
    });
    // Install, build and setup have no port: what needs it is left out, the rest is there.
    expect(expandEnv(env, vars, new Set(['PORT']))).toEqual({ DATABASE_URL: 'postgres://h/db?ssl=false', NAME: 'app', LIT: '${X}' });
    expect(() => expandEnv({ A: '${B}', B: '${A}' }, {})).toThrow(/env\.A: A → B → A refer to each other in a circle/);
    expect(() => expandEnv({ A: '${NOPE}' }, {})).toThrow(UnknownVariableError);
  });
});

describe('install', () => {
  it('is a command, or { command, scripts }; the project\'s own scripts are off by default', () => {
    expect(validateConfig(minimal).install).toEqual({ scripts: 'dependencies' });
    expect(validateConfig({ ...minimal, install: 'npm ci' }).install).toEqual({ command: 'npm ci', scripts: 'dependencies' });
    expect(validateConfig({ ...minimal, install: { scripts: true } }).install).toEqual({ scripts: 'all' });
    expect(validateConfig({ ...minimal, install: { scripts: 'none' } }).install).toEqual({ scripts: 'none' });
    expect(problemsOf({ install: { scripts: 'some' } })).toEqual(['install.scripts: one of dependencies, all or none']);
  });
});

describe('env_file', () => {
  it('reads dotenv lines: comments, export, quotes, inline comments, multi-line double quotes', () => {
    const { values, problems } = parseEnvFile(
      [
        '# the app',
        'DATABASE_URL=postgres://user:pass@localhost:5432/app',
        'export SESSION_TTL=3600 # seconds',
        "GREETING='hello # not a comment'",
        'KEY="line1\\nline2"',
        'CERT="-----BEGIN',
        'abc',
        '-----END"',
        'EMPTY=',
        'not a line',
      ].join('\n'),
    );
    expect(values).toEqual({
      DATABASE_URL: 'postgres://user:pass@localhost:5432/app', SESSION_TTL: '3600', GREETING: 'hello # not a comment',
      KEY: 'line1\nline2', CERT: '-----BEGIN\nabc\n-----END', EMPTY: '',
    });
    expect(problems).toEqual([{ line: 10, message: 'expected KEY=value, got "not a line"' }]);
  });
});
