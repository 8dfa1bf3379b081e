// How each known kind of service is set up, started, recognised as ready and stopped, from the system's
// own binaries; and the same questions for a service given as a `start` command. Every server listens on
// 127.0.0.1 in the job's network namespace, trusts connections there (no passwords to configure: nothing
// else can reach it), keeps all its files in its own data dir, and is tuned for throwaway data (no fsync:
// a benchmark's database is discarded, and disk flushes would only add noise).
import { existsSync } from 'node:fs';
import type { ServiceConfig } from '../config/schema.ts';
import { serviceValues, SERVICE_HOST, type ServiceKind } from '../config/service-vars.ts';
import { findBinary, MissingServiceBinaryError, postgresBinDir } from './binaries.ts';

export interface ServiceRecipe {
  /** Names the service in messages, e.g. "db (postgres)". */
  title: string;
  /** Commands run once in the empty data dir before the first start (initdb). */
  init: string[];
  /**
   * The server in the foreground. `firstRun`: the start setup runs against, whose stop must leave every
   * write on disk, because that state becomes the template the samples start from.
   */
  start(firstRun: boolean): string;
  /** Commands run once after the first start is ready (creating the app's database). */
  afterFirstStart: string[];
  /** The log line that says it is ready; null: ask `ready`, or wait for the port to accept connections. */
  readyLog: RegExp | null;
  /** What a clean stop is: postgres' fast shutdown is SIGINT (SIGTERM waits for clients to leave). */
  stopSignal: NodeJS.Signals;
  /** Process names the stop signal goes to; empty: every process of the command but our own wrappers. */
  mainNames: string[];
  /** Environment of its commands besides PATH and LANG. */
  env: Record<string, string>;
}

/** One shell word (single-quoted unless plain), for the commands the sandbox runs with `sh -c`. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const words = (list: readonly string[]): string => list.map(shellWord).join(' ');

const PACKAGES: Record<ServiceKind, string> = {
  postgres: 'Debian/Ubuntu: apt-get install -y postgresql',
  mysql: 'Debian/Ubuntu: apt-get install -y mariadb-server',
  mariadb: 'Debian/Ubuntu: apt-get install -y mariadb-server',
  redis: 'Debian/Ubuntu: apt-get install -y redis-server',
  mongodb: 'package mongodb-org-server from MongoDB\'s own apt repository, see https://www.mongodb.com/docs/manual/administration/install-on-linux/',
};

function missing(name: string, kind: ServiceKind, what: string): never {
  throw new MissingServiceBinaryError(`services.${name}: ${what} is not installed on this runner: install it (${PACKAGES[kind]})`);
}

export interface RecipeContext {
  name: string;
  port: number;
  dataDir: string;
  /** PATH of the service's commands (bumpbench's own, so the system's binaries are found). */
  pathVar?: string;
}

export function serviceRecipe(service: ServiceConfig, ctx: RecipeContext): ServiceRecipe {
  const values = serviceValues(service, ctx.port);
  const { name, port, dataDir } = ctx;
  const extra = service.args;
  switch (service.kind) {
    case 'postgres': {
      const bin = postgresBinDir(ctx.pathVar) ?? missing(name, 'postgres', 'PostgreSQL (postgres, initdb)');
      const psql = existsSync(`${bin}/psql`) ? `${bin}/psql` : (findBinary(['psql'], ctx.pathVar) ?? missing(name, 'postgres', 'psql (postgresql-client)'));
      const database = values.database;
      return {
        title: `${name} (postgres)`,
        init: [words([`${bin}/initdb`, '-D', dataDir, '--auth=trust', `--username=${values.user}`, '--encoding=UTF8', '--locale=C', '--no-sync'])],
        start: () =>
          `exec ${words([
            `${bin}/postgres`, '-D', dataDir, '-p', String(port),
            '-c', `listen_addresses=${SERVICE_HOST}`, '-c', 'unix_socket_directories=',
            '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off',
            ...extra,
          ])}`,
        afterFirstStart:
          database === 'postgres'
            ? []
            : [words([psql, '-h', SERVICE_HOST, '-p', String(port), '-U', values.user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE DATABASE "${database}"`])],
        readyLog: /database system is ready to accept connections/,
        stopSignal: 'SIGINT',
        mainNames: ['postgres'],
        env: {},
      };
    }
    case 'mysql':
    case 'mariadb': {
      const server = findBinary(['mariadbd', 'mysqld'], ctx.pathVar) ?? missing(name, service.kind, 'a MariaDB or MySQL server (mariadbd, mysqld)');
      // MySQL 8's own `mysqld --initialize` differs; MariaDB's install script is what Debian ships.
      const installDb = findBinary(['mariadb-install-db', 'mysql_install_db'], ctx.pathVar) ?? missing(name, service.kind, 'mariadb-install-db');
      const client = findBinary(['mariadb', 'mysql'], ctx.pathVar) ?? missing(name, service.kind, 'the mariadb client');
      return {
        title: `${name} (${service.kind})`,
        init: [words([installDb, '--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db'])],
        start: () =>
          `exec ${words([
            server, '--no-defaults', `--datadir=${dataDir}`, `--port=${port}`, `--bind-address=${SERVICE_HOST}`,
            // The socket lives in the service's private /tmp: a data dir path can be longer than a socket path may be.
            '--socket=/tmp/mysqld.sock', '--skip-grant-tables', '--skip-name-resolve', '--innodb-flush-log-at-trx-commit=0',
            ...extra,
          ])}`,
        afterFirstStart: [words([client, '--no-defaults', '-h', SERVICE_HOST, '-P', String(port), '-u', values.user, '-e', `CREATE DATABASE IF NOT EXISTS \`${values.database}\``])],
        readyLog: /ready for connections/,
        stopSignal: 'SIGTERM',
        mainNames: ['mariadbd', 'mysqld'],
        env: {},
      };
    }
    case 'redis': {
      const server = findBinary(['redis-server'], ctx.pathVar) ?? missing(name, 'redis', 'redis-server');
      return {
        title: `${name} (redis)`,
        init: [],
        // Only the first run has a save point: its SIGTERM then writes the RDB the template keeps. A sample's
        // redis writes nothing to disk.
        start: (firstRun) =>
          `exec ${words([
            server, '--port', String(port), '--bind', SERVICE_HOST, '--dir', dataDir, '--dbfilename', 'dump.rdb',
            '--save', firstRun ? '3600 1' : '', '--appendonly', 'no', '--protected-mode', 'no', '--daemonize', 'no', '--logfile', '',
            ...extra,
          ])}`,
        afterFirstStart: [],
        readyLog: /Ready to accept connections/,
        stopSignal: 'SIGTERM',
        mainNames: ['redis-server'],
        env: {},
      };
    }
    case 'mongodb': {
      const server = findBinary(['mongod'], ctx.pathVar) ?? missing(name, 'mongodb', 'mongod');
      return {
        title: `${name} (mongodb)`,
        init: [],
        start: () => `exec ${words([server, '--dbpath', dataDir, '--port', String(port), '--bind_ip', SERVICE_HOST, '--nounixsocket', ...extra])}`,
        afterFirstStart: [],
        readyLog: /Waiting for connections/,
        stopSignal: 'SIGTERM',
        mainNames: ['mongod'],
        env: {},
      };
    }
    default:
      return {
        title: name,
        init: [],
        start: () => service.start!,
        afterFirstStart: [],
        readyLog: null,
        stopSignal: 'SIGTERM',
        mainNames: [],
        env: { PORT: String(port), HOST: SERVICE_HOST, DATA_DIR: dataDir },
      };
  }
}
