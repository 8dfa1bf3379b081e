// What a sandboxed command sees of the machine: the system (read-only), the runtimes on its PATH
// (read-only), and nothing of the App: not its data dir, its key file, its home or its environment. The
// job adds its own paths (the worktree read-write; the install cache entry and the repo mirror read-only).
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** The parts of /etc programs need to run (TLS roots, name resolution, users, the loader); not the rest. */
const ETC_ENTRIES = [
  'alternatives', 'ca-certificates', 'ca-certificates.conf', 'ssl', 'pki', 'resolv.conf', 'hosts', 'host.conf',
  'nsswitch.conf', 'gai.conf', 'services', 'protocols', 'passwd', 'group', 'localtime', 'timezone', 'ld.so.cache',
  'ld.so.conf', 'ld.so.conf.d', 'mime.types', 'os-release', 'debian_version', 'python3', 'pypy3', 'gitconfig',
];

/** Top-level system directories; a symlink (merged /usr: /bin → usr/bin) is recreated as a symlink. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/opt'];

/** A bind mount of `from` (default: the same path) at `path`, or a symlink. */
export type Mount = { kind: 'ro' | 'rw'; path: string; from?: string } | { kind: 'symlink'; target: string; path: string };

/** Directories already covered by a system mount need no mount of their own. */
function underSystem(dir: string): boolean {
  return SYSTEM_DIRS.some((root) => dir === root || dir.startsWith(`${root}/`)) || dir.startsWith('/etc/');
}

/**
 * Tool roots outside the system dirs that PATH entries belong to: a version manager's shims need its
 * whole root (pyenv's `shims/python3` runs `$PYENV_ROOT/libexec/pyenv` and the interpreters under
 * `versions/`), so for a PATH dir whose parent has a `versions` folder, the parent is mounted.
 */
function runtimeRoots(pathVar: string, execPath: string): string[] {
  const roots = new Set<string>();
  const add = (dir: string) => {
    if (!existsSync(dir)) return;
    const real = realpathSync(dir);
    if (underSystem(real)) return;
    let root = real;
    for (let up = real; up !== path.dirname(up); up = path.dirname(up)) {
      if (existsSync(path.join(up, 'versions')) && existsSync(path.join(up, 'shims'))) root = up;
    }
    roots.add(root);
  };
  // node_modules/.bin entries come from `npm run` (bumpbench's own tools): the project has its own.
  for (const dir of pathVar.split(path.delimiter).filter((d) => path.isAbsolute(d) && !d.includes('/node_modules/'))) add(dir);
  // The Node that runs bumpbench also runs our own helpers inside the sandbox.
  add(path.dirname(path.dirname(execPath)));
  // Keep the shortest: /root/.pyenv covers /root/.pyenv/shims.
  const sorted = [...roots].sort((a, b) => a.length - b.length);
  return sorted.filter((dir, i) => !sorted.slice(0, i).some((shorter) => dir.startsWith(`${shorter}/`)));
}

/** The read-only view of the system every sandboxed command gets (before the job's own paths). */
export function systemMounts(pathVar: string, execPath = process.execPath): Mount[] {
  const mounts: Mount[] = [];
  for (const dir of SYSTEM_DIRS) {
    const stat = lstatSync(dir, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isSymbolicLink()) mounts.push({ kind: 'symlink', target: readlinkSync(dir), path: dir });
    else mounts.push({ kind: 'ro', path: dir });
  }
  for (const entry of ETC_ENTRIES) {
    const file = path.join('/etc', entry);
    if (existsSync(file)) mounts.push({ kind: 'ro', path: file });
  }
  for (const root of runtimeRoots(pathVar, execPath)) mounts.push({ kind: 'ro', path: root });
  return mounts;
}

/**
 * bwrap arguments for a list of mounts, in order (later mounts go on top of earlier ones). bwrap makes
 * missing parent directories of a mount point mode 0700, which the sandbox's uid could not enter, so each
 * parent that is not itself mounted is made first, world-readable. `mounted` carries the mount points
 * of earlier calls, so one plan can be built in several parts.
 */
export function mountArgs(mounts: readonly Mount[], mounted: Set<string> = new Set()): string[] {
  const args: string[] = [];
  for (const m of mounts) {
    args.push(...parentDirArgs(m.path, mounted));
    mounted.add(m.path);
    if (m.kind === 'symlink') args.push('--symlink', m.target, m.path);
    else args.push(m.kind === 'ro' ? '--ro-bind' : '--bind', m.from ?? m.path, m.path);
  }
  return args;
}

/** `--perms 0755 --dir` for each parent of `target` not made or mounted yet (shallowest first). */
export function parentDirArgs(target: string, mounted: Set<string>): string[] {
  const args: string[] = [];
  const parents: string[] = [];
  for (let dir = path.dirname(target); dir !== '/' && dir !== '.'; dir = path.dirname(dir)) parents.unshift(dir);
  for (const dir of parents) {
    if (mounted.has(dir)) continue;
    if ([...mounted].some((m) => dir.startsWith(`${m}/`) && SYSTEM_DIRS.includes(m))) continue;
    args.push('--perms', '0755', '--dir', dir);
    mounted.add(dir);
  }
  return args;
}
