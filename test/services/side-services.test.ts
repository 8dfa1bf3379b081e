// A side's services with the real PostgreSQL and Redis of this machine, in the real sandbox: started in
// the job's network, set up once, every sample from the same template, their usage apart, nothing left.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import type { ServiceConfig } from '../../src/config/schema.ts';
import { DEFAULT_LIMITS, Sandbox } from '../../src/sandbox/sandbox.ts';
import { sandboxSupport } from '../../src/sandbox/support.ts';
import { MissingServiceBinaryError, ServiceStartError, SideServices } from '../../src/services/index.ts';
import { postgresBinDir } from '../../src/services/binaries.ts';
import { tempDir } from '../helpers/git-repo.ts';

const support = sandboxSupport();
const root = tempDir('bumpbench-services-');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
let sandbox: Sandbox;
const psql = `${postgresBinDir()}/psql`;
const work = path.join(root, 'work');

function services(yaml: Record<string, unknown>): Record<string, ServiceConfig> {
  return validateConfig({ start: 'node server.js', scenarios: [{ name: 'a', path: '/' }], services: yaml }).services;
}

/** A command in the job's network (where the services listen), as setup and the server would run it. */
async function inJob(command: string): Promise<string> {
  const r = await sandbox.run({ command, cwd: work, env, phase: 'serve', writable: [work], deadlineMs: 30_000 });
  if (r.code !== 0) throw new Error(`${command} exited with ${r.code}: ${r.output}`);
  return r.output.trim();
}

/** Live processes whose command line or working directory is under `dir`. */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        /* another uid's */
      }
      if (state !== 'Z' && (cmdline.includes(dir) || cwd.startsWith(dir))) found.push(`${entry} ${cmdline}`);
    } catch {
      /* gone */
    }
  }
  return found.filter((p) => !p.startsWith(`${process.pid} `));
}

beforeAll(async () => {
  mkdirSync(work);
  sandbox = new Sandbox({ enabled: true, scratchDir: path.join(root, 'scratch'), network: 'loopback', allowHosts: [], readOnly: [], limits: DEFAULT_LIMITS });
  await sandbox.handOver(work);
});

afterAll(async () => {
  await sandbox?.close();
});

describe.runIf(support.ok)('a side\'s services', () => {
  it('postgres and redis: set up once, every sample from the template, usage of each, nothing left', async () => {
    const dir = path.join(root, 'base-services');
    const side = await SideServices.create({ label: 'base', services: services({ db: { kind: 'postgres' }, cache: { kind: 'redis' } }), dir, sandbox });
    const port = side.variables['services.db.port'];
    const redisPort = side.variables['services.cache.port'];
    expect(side.exports).toMatchObject({
      DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${port}/app`, PGPORT: port, PGDATABASE: 'app', REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    });
    const sql = (q: string) => inJob(`${psql} -h 127.0.0.1 -p ${port} -U postgres -d app -tA -v ON_ERROR_STOP=1 -c "${q}"`);
    const redis = (args: string) => inJob(`redis-cli -h 127.0.0.1 -p ${redisPort} ${args}`);
    try {
      await side.prepare(async () => {
        await sql('CREATE TABLE items (id serial PRIMARY KEY, name text)');
        await sql("INSERT INTO items (name) VALUES ('a'), ('b'), ('c')");
        await redis('SET seeded yes');
      });
      expect(existsSync(path.join(dir, 'db', 'template', 'PG_VERSION'))).toBe(true);
      expect(existsSync(path.join(dir, 'cache', 'template', 'dump.rdb'))).toBe(true);

      for (let sample = 0; sample < 2; sample++) {
        await side.startForSample();
        // Every sample sees what setup left, whatever the one before wrote.
        expect(await sql('SELECT count(*) FROM items')).toBe('3');
        expect(await redis('GET seeded')).toBe('yes');
        expect(await redis('DBSIZE')).toBe('1');
        expect(processesUnder(dir).length).toBeGreaterThan(0); // what the check after dispose() looks for
        const monitor = side.monitor();
        await sql("INSERT INTO items (name) SELECT 'x' || g FROM generate_series(1, 20000) g");
        await redis('SET written-by-sample 1');
        const usage = monitor.stop();
        expect(Object.keys(usage).sort()).toEqual(['cache', 'db']);
        expect(usage.db.cpuSeconds).toBeGreaterThan(0);
        expect(usage.db.peakRssBytes).toBeGreaterThan(1024 * 1024);
        expect(usage.cache.peakRssBytes).toBeGreaterThan(0);
        await side.stopAll();
      }
    } finally {
      await side.dispose();
    }
    expect(existsSync(dir)).toBe(false);
    expect(processesUnder(dir)).toEqual([]);
  });

  it('reset: none keeps what a sample wrote; a start command with a TCP readiness check', async () => {
    const dir = path.join(root, 'head-services');
    const side = await SideServices.create({
      label: 'head',
      services: services({
        db: { kind: 'postgres', database: 'shop', reset: 'none' },
        kv: { start: 'exec redis-server --port $PORT --bind $HOST --dir "$DATA_DIR" --save "" --appendonly no', env: { KV_URL: 'redis://${HOST}:${services.kv.port}' } },
      }),
      dir,
      sandbox,
    });
    const port = side.variables['services.db.port'];
    const kvPort = side.variables['services.kv.port'];
    expect(side.exports).toMatchObject({ KV_URL: `redis://127.0.0.1:${kvPort}`, PGDATABASE: 'shop' });
    const sql = (q: string) => inJob(`${psql} -h 127.0.0.1 -p ${port} -U postgres -d shop -tA -v ON_ERROR_STOP=1 -c "${q}"`);
    try {
      await side.prepare(() => sql('CREATE TABLE t (n int)').then(() => undefined));
      await side.startForSample();
      expect(await inJob(`redis-cli -p ${kvPort} PING`)).toBe('PONG');
      await sql('INSERT INTO t VALUES (1)');
      await side.stopAll();
      await side.startForSample();
      expect(await sql('SELECT count(*) FROM t')).toBe('1');
    } finally {
      await side.dispose();
    }
    expect(processesUnder(dir)).toEqual([]);
  });

  it('a service that exits before it is ready fails with its own last words', async () => {
    const side = await SideServices.create({
      label: 'base', services: services({ broken: { start: 'echo "config file missing: /etc/broken.conf" >&2; exit 3' } }), dir: path.join(root, 'broken'), sandbox,
    });
    try {
      const failure = await side.prepare(async () => {}).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ServiceStartError);
      expect((failure as ServiceStartError).message).toMatch(/base broken exited before it was ready \(code 3\)/);
      expect((failure as ServiceStartError).output).toContain('config file missing');
      expect((failure as ServiceStartError).service).toBe('broken');
    } finally {
      await side.dispose();
    }
  });

  it('a server that is not installed is named with its package, before anything runs', async () => {
    const make = (kind: string) => SideServices.create({ label: 'base', services: services({ store: { kind } }), dir: path.join(root, `missing-${kind}`), sandbox });
    await expect(make('mongodb')).rejects.toThrow(MissingServiceBinaryError);
    await expect(make('mongodb')).rejects.toThrow(/services\.store: mongod is not installed on this runner: install it \(package mongodb-org-server/);
    await expect(make('mariadb')).rejects.toThrow(/services\.store: .* is not installed on this runner: install it \(Debian\/Ubuntu: apt-get install -y mariadb-server\)/);
    expect(existsSync(path.join(root, 'missing-mongodb'))).toBe(false);
  });
});
