// A Python runtime for a side: the newest interpreter on this machine that matches the request, and a
// directory of small launchers (python, python3, python3.X, and pypy3 for PyPy) that run it. Put first on a
// command's PATH, they make `python3 -m venv .venv` and `python server.py` use it, whatever python3 the
// system has. Launchers exec the real interpreter, so sys.executable (and so a venv's python) is the
// interpreter itself, not a link a venv could not find its standard library from.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findPythonInterpreters, type PythonInterpreter } from './python-interpreters.ts';
import { describeWanted, parsePythonSpec, type PythonWanted } from './python-spec.ts';
import { RuntimeUnavailableError, type ResolvedRuntime, type RuntimeRequest } from './types.ts';

/**
 * PyPy traces a loop or function once it has run 1,619 times (its default JIT `threshold`), so a request
 * path is compiled only after a couple of thousand requests; before that its throughput sits on a plateau
 * several times below its speed, long enough (seconds at a few hundred requests per second) to look
 * settled. Its warm-up must cover two thresholds' worth of requests before the trend rule may stop it.
 */
export const PYPY_WARMUP_REQUESTS = 2 * 1_619;

/** Directories every sandboxed command already sees read-only (src/sandbox/filesystem.ts mounts them). */
const SYSTEM_PREFIXES = ['/usr/', '/bin/', '/lib/', '/lib64/', '/opt/', '/sbin/'];

function compareNumeric(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const hasPrefix = (version: string | undefined, prefix: string) => prefix === '' || version === prefix || (version ?? '').startsWith(`${prefix}.`);

export function matchesWanted(interpreter: PythonInterpreter, wanted: PythonWanted): boolean {
  if (interpreter.implementation !== wanted.implementation) return false;
  if (wanted.system) return interpreter.origin === 'system';
  return hasPrefix(interpreter.version, wanted.version) && (wanted.implementation !== 'pypy' || hasPrefix(interpreter.pypyVersion, wanted.pypyVersion));
}

/** The interpreter a spec picks among those found: the newest that matches (the system's python3 for "system"). */
export function pickInterpreter(interpreters: readonly PythonInterpreter[], wanted: PythonWanted): PythonInterpreter | null {
  const matching = interpreters.filter((i) => matchesWanted(i, wanted));
  if (wanted.system) return matching.find((i) => path.basename(i.executable) === 'python3') ?? matching[0] ?? null;
  return (
    [...matching].sort(
      (a, b) => compareNumeric(b.pypyVersion ?? '0', a.pypyVersion ?? '0') || compareNumeric(b.version, a.version) || Number(b.origin === 'pyenv') - Number(a.origin === 'pyenv'),
    )[0] ?? null
  );
}

export function interpreterLabel(i: Pick<PythonInterpreter, 'implementation' | 'version' | 'pypyVersion'>): string {
  return i.implementation === 'pypy' ? `PyPy ${i.pypyVersion} (Python ${i.version})` : `CPython ${i.version}`;
}

/** The version-manager form of an interpreter's version: "3.11.7", "pypy3.9-7.3.11". */
export function interpreterVersion(i: Pick<PythonInterpreter, 'implementation' | 'version' | 'pypyVersion'>): string {
  return i.implementation === 'pypy' ? `pypy${i.version.split('.').slice(0, 2).join('.')}-${i.pypyVersion}` : i.version;
}

/** What to run to get the missing interpreter. */
export function installHint(wanted: PythonWanted): string {
  if (wanted.implementation === 'pypy') {
    return wanted.version || wanted.pypyVersion
      ? `\`pyenv install pypy${wanted.version || '3'}${wanted.pypyVersion ? `-${wanted.pypyVersion}` : ''}\` (pyenv install --list | grep pypy shows the names), or \`apt-get install pypy3\` on Debian/Ubuntu`
      : '`apt-get install pypy3` on Debian/Ubuntu, or `pyenv install pypy3.10-7.3.17`';
  }
  if (wanted.system) return '`apt-get install python3` on Debian/Ubuntu';
  const version = wanted.version || '3';
  const apt = /^\d+\.\d+$/.test(version) ? ` (or \`apt-get install python${version}\` where the distribution packages it)` : '';
  return `\`pyenv install ${version}\`${apt}`;
}

function summarise(interpreters: readonly PythonInterpreter[]): string {
  if (interpreters.length === 0) return 'no Python interpreter was found at all';
  const sorted = [...interpreters].sort((a, b) => a.implementation.localeCompare(b.implementation) || compareNumeric(a.version, b.version));
  return `found ${sorted.map((i) => `${interpreterLabel(i)} (${i.origin === 'pyenv' ? 'pyenv' : i.executable})`).join(', ')}`;
}

async function writeLaunchers(cacheDir: string, interpreter: PythonInterpreter): Promise<string> {
  const id = createHash('sha256').update(interpreter.executable).digest('hex').slice(0, 10);
  const root = path.join(cacheDir, 'python', `${interpreterVersion(interpreter)}-${id}`);
  if (existsSync(path.join(root, '.complete'))) return root;
  const [major, minor] = interpreter.version.split('.');
  const names = ['python', `python${major}`, `python${major}.${minor}`, ...(interpreter.implementation === 'pypy' ? ['pypy', `pypy${major}`] : [])];
  const staging = `${root}.partial-${randomUUID().slice(0, 8)}`;
  await mkdir(path.join(staging, 'bin'), { recursive: true });
  try {
    const script = `#!/bin/sh\n# ${interpreterLabel(interpreter)}, chosen by bumpbench\nexec '${interpreter.executable.replace(/'/g, `'\\''`)}' "$@"\n`;
    for (const name of names) {
      const file = path.join(staging, 'bin', name);
      await writeFile(file, script);
      await chmod(file, 0o755);
    }
    await writeFile(path.join(staging, '.complete'), `${interpreter.executable}\n`);
    try {
      await rename(staging, root);
    } catch (err) {
      if (!existsSync(path.join(root, '.complete'))) throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return root;
}

/** The interpreter a request names, found on this machine, with its launchers; RuntimeUnavailableError naming the fix when it is not there. */
export async function provisionPython(request: RuntimeRequest, opts: { cacheDir: string }): Promise<ResolvedRuntime> {
  const wanted = parsePythonSpec(request.spec);
  if (!wanted) {
    throw new RuntimeUnavailableError(`"${request.spec}" (from ${request.from}) is not a Python version bumpbench can look for: write e.g. 3.12, python3.11, pypy3 or pypy3.9-7.3.11`);
  }
  const interpreters = await findPythonInterpreters();
  const interpreter = pickInterpreter(interpreters, wanted);
  if (!interpreter) {
    throw new RuntimeUnavailableError(
      `${describeWanted(wanted)} ("${request.spec}", from ${request.from}) is not installed on this machine (${summarise(interpreters)}). Install it with ${installHint(wanted)}, then run again.`,
    );
  }
  const root = await writeLaunchers(opts.cacheDir, interpreter);
  const mounts = [root, interpreter.prefix, path.dirname(interpreter.executable)].filter(
    (p, i, all) => !SYSTEM_PREFIXES.some((s) => `${p}/`.startsWith(s)) && all.indexOf(p) === i && !all.some((other) => other !== p && p.startsWith(`${other}/`)),
  );
  return {
    kind: 'python',
    implementation: interpreter.implementation,
    version: interpreterVersion(interpreter),
    label: interpreterLabel(interpreter),
    requested: request,
    origin: interpreter.origin === 'pyenv' ? 'pyenv' : interpreter.executable,
    executable: interpreter.executable,
    binDir: path.join(root, 'bin'),
    mounts,
    ...(interpreter.implementation === 'pypy' ? { warmupRequests: PYPY_WARMUP_REQUESTS } : {}),
  };
}
