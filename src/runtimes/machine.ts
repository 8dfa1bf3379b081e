// The runtime a side runs on when nothing asks for one: whatever `node` or `python3` the commands' PATH
// finds, as today. Asked for its exact version so the report can name it and the install cache can tell
// a machine upgrade from the last install.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { nodeHeadersEnv } from './node-headers.ts';
import { NODE_FIRST_WARMUP_MS } from './node-provision.ts';
import { interpreterLabel, interpreterVersion, PYPY_WARMUP_REQUESTS } from './python-provision.ts';
import type { ResolvedRuntime, RuntimeKind } from './types.ts';

const run = promisify(execFile);

function onPath(name: string, pathVar: string): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/**
 * The runtime of a kind the PATH finds, or null when there is none. `cwd` matters for pyenv's shims,
 * which choose by the directory's .python-version (the project dir, where the commands run).
 */
export async function machineRuntime(kind: RuntimeKind, pathVar: string, cwd: string): Promise<ResolvedRuntime | null> {
  const name = kind === 'node' ? 'node' : 'python3';
  const executable = onPath(name, pathVar);
  if (!executable) return null;
  const env = { PATH: pathVar, LANG: 'C.UTF-8', HOME: process.env.HOME ?? '/' };
  try {
    if (kind === 'node') {
      const { stdout } = await run(executable, ['--version'], { timeout: 20_000, cwd, env });
      const version = stdout.trim().replace(/^v/, '');
      return {
        kind, implementation: 'node', version, label: `Node.js ${version}`, requested: null, origin: 'PATH', executable, binDir: null, mounts: [],
        env: nodeHeadersEnv(executable), firstWarmupMs: NODE_FIRST_WARMUP_MS,
      };
    }
    const { stdout } = await run(
      executable,
      ['-c', "import sys, platform\nprint(platform.python_implementation())\nprint(platform.python_version())\nprint('.'.join(str(p) for p in sys.pypy_version_info[:3]) if hasattr(sys, 'pypy_version_info') else '')"],
      { timeout: 20_000, cwd, env },
    );
    const [impl, version, pypyVersion] = stdout.split('\n').map((l) => l.trim());
    const interpreter = { implementation: impl === 'PyPy' ? ('pypy' as const) : ('cpython' as const), version, ...(pypyVersion ? { pypyVersion } : {}) };
    return {
      kind, implementation: interpreter.implementation, version: interpreterVersion(interpreter), label: interpreterLabel(interpreter),
      requested: null, origin: 'PATH', executable, binDir: null, mounts: [],
      ...(interpreter.implementation === 'pypy' ? { warmupRequests: PYPY_WARMUP_REQUESTS } : {}),
    };
  } catch {
    return null;
  }
}
