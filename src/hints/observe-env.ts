// How a server is started for an observe run: the same command, with the hooks its runtime loads at
// start (Node: `--require` through NODE_OPTIONS; Python: our `sitecustomize` first on PYTHONPATH), the
// directory they write to, and the hooks' own directory, mounted read-only (the sandbox shows a
// server nothing else). Both variables are set whatever the server is: each runtime ignores the other's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOOKS_DIR = fileURLToPath(new URL('./hooks', import.meta.url));
export const NODE_HOOK = path.join(HOOKS_DIR, 'node-observe.cjs');
export const PYTHON_HOOK_DIR = path.join(HOOKS_DIR, 'python');

/** The bucket of the monotonic clock calls, CPU and responses are counted in. */
export const BUCKET_MS = 100;

export type ObserveMode = 'outbound' | 'cpu' | 'memory';

/** NODE_OPTIONS takes double-quoted values, so a path with spaces still reads as one. */
function quoted(value: string): string {
  return /[\s"\\]/.test(value) ? JSON.stringify(value) : value;
}

/** The server's environment for an observe run writing into `dir`. */
export function observeEnv(env: Record<string, string>, dir: string, modes: readonly ObserveMode[]): Record<string, string> {
  return {
    ...env,
    NODE_OPTIONS: [env.NODE_OPTIONS, `--require ${quoted(NODE_HOOK)}`].filter(Boolean).join(' '),
    PYTHONPATH: [PYTHON_HOOK_DIR, env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    BUMPBENCH_OBSERVE_DIR: dir,
    BUMPBENCH_OBSERVE: modes.join(','),
    BUMPBENCH_OBSERVE_BUCKET_MS: String(BUCKET_MS),
  };
}

/** The kernel's ephemeral port range (ports a stub listening on port 0 gets), for showing such ports as `*`. */
export function ephemeralPortRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    /* not Linux: the usual default */
  }
  return [32768, 60999];
}
