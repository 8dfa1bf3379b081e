// What a service offers the rest of the config: the fields `${services.NAME.FIELD}` may name, their
// values once the service has a port, and the variables a known kind exports into the app's environment
// unless the service sets its own `env`. Pure: the config checks references with it before anything runs,
// and src/services/ computes the same values when a side's services get their ports.

export const SERVICE_KINDS = ['postgres', 'mysql', 'mariadb', 'redis', 'mongodb'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

/** Services listen on loopback in the job's network namespace: always this address. */
export const SERVICE_HOST = '127.0.0.1';

/** What a service's definition says about it, as far as its variables go. */
export interface ServiceIdentity {
  kind?: ServiceKind;
  user?: string;
  password?: string;
  database?: string;
}

/** The user, password and database an app connects with; any password works (the servers trust loopback). */
const DEFAULT_IDENTITY: Partial<Record<ServiceKind, { user?: string; password?: string; database?: string }>> = {
  postgres: { user: 'postgres', password: 'postgres', database: 'app' },
  mysql: { user: 'root', password: 'root', database: 'app' },
  mariadb: { user: 'root', password: 'root', database: 'app' },
  mongodb: { database: 'app' },
};

/** The fields `${services.NAME.FIELD}` may name for a service of this kind (undefined: a `start` command). */
export function serviceFields(kind: ServiceKind | undefined): string[] {
  const fields = ['host', 'port'];
  if (kind === undefined) return fields;
  const identity = DEFAULT_IDENTITY[kind] ?? {};
  return [...fields, 'url', ...(['user', 'password', 'database'] as const).filter((f) => identity[f] !== undefined)];
}

/** Whether a kind has a user and password (postgres, mysql) or a database name (also mongodb). */
export function kindHas(kind: ServiceKind | undefined, field: 'user' | 'password' | 'database'): boolean {
  return kind !== undefined && DEFAULT_IDENTITY[kind]?.[field] !== undefined;
}

/** The values of a service's fields once it has a port. */
export function serviceValues(service: ServiceIdentity, port: number): Record<string, string> {
  const values: Record<string, string> = { host: SERVICE_HOST, port: String(port) };
  const kind = service.kind;
  if (kind === undefined) return values;
  const defaults = DEFAULT_IDENTITY[kind] ?? {};
  const user = service.user ?? defaults.user;
  const password = service.password ?? defaults.password;
  const database = service.database ?? defaults.database;
  if (user !== undefined) values.user = user;
  if (password !== undefined) values.password = password;
  if (database !== undefined) values.database = database;
  const auth = user !== undefined ? `${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@` : '';
  const at = `${SERVICE_HOST}:${port}`;
  const db = database !== undefined ? `/${encodeURIComponent(database)}` : '';
  if (kind === 'postgres') values.url = `postgres://${auth}${at}${db}`;
  else if (kind === 'mysql' || kind === 'mariadb') values.url = `mysql://${auth}${at}${db}`;
  else if (kind === 'redis') values.url = `redis://${at}`;
  else values.url = `mongodb://${at}${db}`;
  return values;
}

/**
 * The variables a known kind exports when the service sets no `env`, as `${services.NAME.FIELD}`
 * templates: the names the usual client libraries read (DATABASE_URL, libpq's PG*, REDIS_URL, …).
 */
export function defaultExports(name: string, kind: ServiceKind | undefined): Record<string, string> {
  const ref = (field: string) => `\${services.${name}.${field}}`;
  switch (kind) {
    case 'postgres':
      return {
        DATABASE_URL: ref('url'), PGHOST: ref('host'), PGPORT: ref('port'), PGUSER: ref('user'), PGPASSWORD: ref('password'), PGDATABASE: ref('database'),
      };
    case 'mysql':
    case 'mariadb':
      return {
        DATABASE_URL: ref('url'), MYSQL_HOST: ref('host'), MYSQL_TCP_PORT: ref('port'), MYSQL_USER: ref('user'), MYSQL_PWD: ref('password'), MYSQL_DATABASE: ref('database'),
      };
    case 'redis':
      return { REDIS_URL: ref('url') };
    case 'mongodb':
      return { MONGODB_URI: ref('url'), MONGO_URL: ref('url') };
    default:
      return {};
  }
}

/** `services.db.port` → { service: 'db', field: 'port' }; null for any other name. */
export function parseServiceReference(name: string): { service: string; field: string } | null {
  const match = /^services\.([A-Za-z][\w-]*)\.(\w+)$/.exec(name);
  return match ? { service: match[1], field: match[2] } : null;
}

/** `${services.NAME.FIELD}` as variables (`services.db.port` → "54321"), for every service given. */
export function serviceVariables(services: Record<string, { identity: ServiceIdentity; port: number }>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, { identity, port }] of Object.entries(services)) {
    for (const [field, value] of Object.entries(serviceValues(identity, port))) vars[`services.${name}.${field}`] = value;
  }
  return vars;
}
