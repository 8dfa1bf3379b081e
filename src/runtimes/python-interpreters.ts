// The Python interpreters this machine has: pyenv's versions, and python/pypy executables in the system
// directories and on our own PATH (never pyenv's shims: they pick a version by the directory they run in).
// Each is asked what it is (implementation, exact version, prefix), because names lie: python3 may be 3.9
// or 3.12, and a `pypy3` is a Python 3.9 or 3.10 underneath.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PythonInterpreter {
  /** The path to run (a pyenv version's bin/python, /usr/bin/pypy3, …), not resolved through symlinks. */
  executable: string;
  implementation: 'cpython' | 'pypy';
  /** The Python language version, e.g. "3.11.7" (for PyPy, the version of Python it implements). */
  version: string;
  /** PyPy's own version, e.g. "7.3.11"; PyPy only. */
  pypyVersion?: string;
  /** sys.base_prefix, resolved: where its standard library lives (mounted in the sandbox when outside the system dirs). */
  prefix: string;
  origin: 'pyenv' | 'system';
}

const EXECUTABLE_NAME = /^(python|pypy)(\d+(\.\d+)?)?$/;

// Printed one per line; works on Python 2.7 too (a pyenv may have one).
const PROBE = [
  'import sys, platform',
  'print(platform.python_implementation())',
  'print(platform.python_version())',
  "print('.'.join(str(p) for p in sys.pypy_version_info[:3]) if hasattr(sys, 'pypy_version_info') else '')",
  "print(getattr(sys, 'base_prefix', sys.prefix))",
].join('\n');

export function pyenvRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.PYENV_ROOT || path.join(os.homedir(), '.pyenv');
}

/** Executables worth asking, pyenv's first; each real file once. */
export function candidateExecutables(env: NodeJS.ProcessEnv = process.env): { executable: string; origin: 'pyenv' | 'system' }[] {
  const out: { executable: string; origin: 'pyenv' | 'system' }[] = [];
  const seen = new Set<string>();
  const add = (executable: string, origin: 'pyenv' | 'system') => {
    let real: string;
    try {
      real = realpathSync(executable);
      if (!statSync(real).isFile()) return;
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    out.push({ executable, origin });
  };
  const versions = path.join(pyenvRoot(env), 'versions');
  if (existsSync(versions)) {
    for (const name of readdirSync(versions).sort()) {
      const bin = path.join(versions, name, 'bin');
      // A pyenv-virtualenv entry is a venv, not an interpreter of its own.
      if (existsSync(path.join(versions, name, 'pyvenv.cfg'))) continue;
      for (const exe of ['python', 'python3', 'pypy3', 'pypy']) {
        if (existsSync(path.join(bin, exe))) {
          add(path.join(bin, exe), 'pyenv');
          break;
        }
      }
    }
  }
  const dirs = new Set(['/usr/local/bin', '/usr/bin', '/bin']);
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (path.isAbsolute(dir) && !/\/shims$|\/node_modules\/|\.venv\//.test(dir)) dirs.add(dir);
  }
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => EXECUTABLE_NAME.test(n)).sort()) add(path.join(dir, name), dir.startsWith(pyenvRoot(env)) ? 'pyenv' : 'system');
  }
  return out;
}

async function probe(candidate: { executable: string; origin: 'pyenv' | 'system' }): Promise<PythonInterpreter | null> {
  try {
    const { stdout } = await run(candidate.executable, ['-c', PROBE], { timeout: 20_000, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } });
    const [impl, version, pypyVersion, prefix] = stdout.split('\n').map((line) => line.trim());
    if (!version || (impl !== 'CPython' && impl !== 'PyPy')) return null;
    return {
      executable: candidate.executable,
      implementation: impl === 'PyPy' ? 'pypy' : 'cpython',
      version,
      ...(pypyVersion ? { pypyVersion } : {}),
      prefix: prefix && existsSync(prefix) ? realpathSync(prefix) : path.dirname(path.dirname(realpathSync(candidate.executable))),
      origin: candidate.origin,
    };
  } catch {
    // Broken or not really an interpreter (a wrapper script that needs arguments): not a candidate.
    return null;
  }
}

let found: { at: number; interpreters: Promise<PythonInterpreter[]> } | null = null;
const FOUND_TTL_MS = 5 * 60_000;

/** Every working interpreter on the machine (asked once every few minutes: installing one takes longer). */
export function findPythonInterpreters(env: NodeJS.ProcessEnv = process.env): Promise<PythonInterpreter[]> {
  if (found && Date.now() - found.at < FOUND_TTL_MS) return found.interpreters;
  const interpreters = Promise.all(candidateExecutables(env).map(probe)).then((all) => all.filter((i): i is PythonInterpreter => i !== null));
  found = { at: Date.now(), interpreters };
  return interpreters;
}

/** For tests and for a machine that just got a new interpreter. */
export function forgetPythonInterpreters(): void {
  found = null;
}
