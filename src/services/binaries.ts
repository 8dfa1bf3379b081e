// Finding the system's database binaries. Services run from what the machine has installed (Debian's
// postgresql, mariadb-server, redis-server; MongoDB's own packages), never from a download at job time, so
// a missing one is a clear error that names the package to install.
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** A service's server is not installed on this runner: the operator's to fix, with the package named. */
export class MissingServiceBinaryError extends Error {
  override readonly name = 'MissingServiceBinaryError';
}

/** Directories searched besides PATH: where Debian and RHEL put server binaries that are not on PATH. */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The first of `names` found on PATH or in the system dirs, as an absolute path; null when none is. */
export function findBinary(names: readonly string[], pathVar = process.env.PATH ?? ''): string | null {
  const dirs = [...pathVar.split(path.delimiter).filter((d) => path.isAbsolute(d) && !d.includes('/node_modules/')), ...SYSTEM_DIRS];
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (existsSync(file)) return file;
    }
  }
  return null;
}

/** Version-numbered install dirs (/usr/lib/postgresql/15/bin), highest version first. */
function versionedDirs(root: string, inner: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(root, v, inner));
}

/**
 * PostgreSQL's bin directory, holding postgres, initdb and psql of one version. Debian puts them in
 * /usr/lib/postgresql/<version>/bin (its /usr/bin/psql is a wrapper that needs a configured cluster),
 * RHEL in /usr/pgsql-<version>/bin; a `postgres` on PATH (a symlink into one of those, or a source build)
 * wins.
 */
export function postgresBinDir(pathVar = process.env.PATH ?? ''): string | null {
  const onPath = findBinary(['postgres'], pathVar);
  const candidates = [
    ...(onPath ? [path.dirname(realpathSync(onPath))] : []),
    ...versionedDirs('/usr/lib/postgresql', 'bin'),
    ...(existsSync('/usr') ? readdirSync('/usr').filter((d) => /^pgsql-\d+$/.test(d)).sort().reverse().map((d) => path.join('/usr', d, 'bin')) : []),
    '/usr/local/pgsql/bin',
  ];
  return candidates.find((dir) => existsSync(path.join(dir, 'postgres')) && existsSync(path.join(dir, 'initdb'))) ?? null;
}
