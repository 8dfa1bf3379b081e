// Step: the runtime each side runs on, before anything is installed, so a runtime that cannot be had fails
// the job at once. Per kind (Node, Python) the first that asks wins: a CLI flag (--base-runtime,
// --head-runtime), what the side's own files pin (.nvmrc, .python-version, engines, … nearest directory
// first), the config's `runtime`; with none of them, the machine's own (PATH), as before runtimes existed.
import os from 'node:os';
import path from 'node:path';
import { baseChildEnv } from '../bench/index.ts';
import type { RepoConfig } from '../config/schema.ts';
import type { Change, ProgressFn, RuntimeSides, RuntimeUse } from '../model.ts';
import {
  declarationPlace, machineRuntime, parseRuntimeFlag, provisionRuntime, runtimeCacheDir, RuntimeUnavailableError, winningDeclaration,
  type ResolvedRuntime, type RuntimeKind, type RuntimeRequest,
} from '../runtimes/index.ts';
import { UserFacingError } from './errors.ts';
import { projectRuntimeFiles } from './runtime-files.ts';

const KINDS: RuntimeKind[] = ['node', 'python'];

export interface SideRuntimes {
  base: ResolvedRuntime[];
  head: ResolvedRuntime[];
  /** Runtime changes the flags made (what the files changed comes with the lockfile changes). */
  changes: Change[];
  notes: string[];
}

/** The public view of a runtime (no paths of this machine). */
export function runtimeUse(r: ResolvedRuntime): RuntimeUse {
  return {
    kind: r.kind, implementation: r.implementation, version: r.version, label: r.label,
    requested: r.requested ? { spec: r.requested.spec, from: r.requested.from } : null, origin: r.origin,
  };
}

/** Does some kind run on another implementation or version on each side (or on one side only)? */
export function runtimesDiffer(base: readonly ResolvedRuntime[], head: readonly ResolvedRuntime[]): boolean {
  return KINDS.some((kind) => {
    const b = base.find((r) => r.kind === kind);
    const h = head.find((r) => r.kind === kind);
    return (b?.executable ?? null) !== (h?.executable ?? null) || b?.version !== h?.version;
  });
}

export function runtimeSides(base: readonly ResolvedRuntime[], head: readonly ResolvedRuntime[]): RuntimeSides {
  return { base: base.map(runtimeUse), head: head.map(runtimeUse), changed: runtimesDiffer(base, head) };
}

/** The install-cache part of a side's runtimes: implementation, exact version and executable of each. */
export function runtimeKey(runtimes: readonly ResolvedRuntime[]): string {
  return runtimes.map((r) => `${r.kind}:${r.implementation}:${r.version}:${r.executable}`).sort().join('\0') || process.version;
}

function flagRequests(value: string | undefined, flag: string): RuntimeRequest[] {
  if (!value) return [];
  try {
    return parseRuntimeFlag(value, flag);
  } catch (err) {
    throw new UserFacingError((err as Error).message);
  }
}

export async function resolveSideRuntimes(opts: {
  repoDir: string;
  baseSha: string;
  headSha: string;
  config: RepoConfig;
  /** --base-runtime / --head-runtime: run that side on this, whatever it pins. */
  baseFlag?: string;
  headFlag?: string;
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}): Promise<SideRuntimes> {
  const notes: string[] = [];
  const cacheDir = runtimeCacheDir(opts.cacheDir);
  const provisioned = new Map<string, Promise<ResolvedRuntime>>();
  const provision = async (request: RuntimeRequest, side: string): Promise<ResolvedRuntime> => {
    const key = `${request.kind}\0${request.spec}`;
    if (!provisioned.has(key)) {
      provisioned.set(key, provisionRuntime(request, {
        cacheDir, signal: opts.signal, onProgress: (message) => opts.onProgress?.({ phase: 'prepare', message }),
      }));
    }
    try {
      return { ...(await provisioned.get(key)!), requested: request };
    } catch (err) {
      if (err instanceof RuntimeUnavailableError) throw new UserFacingError(`${side}: ${err.message}`);
      throw err;
    }
  };
  const machinePath = { ...baseChildEnv(), ...opts.config.env }.PATH ?? '';

  const resolveSide = async (side: 'base' | 'head', sha: string, flag: string | undefined): Promise<ResolvedRuntime[]> => {
    const flagged = flagRequests(flag, `--${side}-runtime`);
    const { declarations, uses } = await projectRuntimeFiles(opts.repoDir, sha, opts.config.cwd);
    const out: ResolvedRuntime[] = [];
    for (const kind of KINDS) {
      const fromFlag = flagged.find((r) => r.kind === kind);
      const declared = winningDeclaration(declarations, kind);
      const configured = opts.config.runtime[kind];
      let request: RuntimeRequest | null = fromFlag ?? null;
      if (!request && declared) {
        request = { kind, spec: declared.pin!, from: declarationPlace(declared) };
        if (configured && side === 'base') notes.push(`\`runtime.${kind}\` of the config ("${configured}") is not used: ${declarationPlace(declared)} pins ${declared.spec}.`);
      }
      if (!request && configured) request = { kind, spec: configured, from: `config runtime.${kind}` };
      if (request) {
        out.push(await provision(request, side));
        continue;
      }
      const unusable = declarations.filter((d) => d.kind === kind && d.pin === null);
      if (!uses.has(kind) && unusable.length === 0) continue;
      const machine = await machineRuntime(kind, machinePath, os.tmpdir());
      if (!machine) continue;
      out.push(machine);
      for (const d of unusable) {
        notes.push(`${side}: ${declarationPlace(d)} "${d.spec}" pins no runtime bumpbench can provision (${d.reason}); ${side} ran on this machine's ${machine.label}.`);
      }
    }
    return out;
  };

  const base = await resolveSide('base', opts.baseSha, opts.baseFlag);
  const head = await resolveSide('head', opts.headSha, opts.headFlag);

  const changes: Change[] = [];
  if (opts.baseFlag || opts.headFlag) {
    for (const kind of KINDS) {
      const b = base.find((r) => r.kind === kind);
      const h = head.find((r) => r.kind === kind);
      if (!runtimesDiffer(b ? [b] : [], h ? [h] : [])) continue;
      const label = (r: ResolvedRuntime | undefined) => (r ? r.requested?.spec ?? r.version : null);
      changes.push({ ecosystem: 'runtime', name: kind, from: label(b), to: label(h), field: '--base-runtime/--head-runtime', scope: 'runtime', direct: true });
    }
  }
  for (const side of [base, head]) {
    for (const r of side) {
      opts.onProgress?.({
        phase: 'prepare',
        message: `${side === base ? 'base' : 'head'} runs on ${r.label}${r.requested ? ` ("${r.requested.spec}" from ${r.requested.from})` : ' (PATH)'}${r.origin !== 'PATH' ? `, ${r.origin}` : ''}`,
      });
    }
  }
  return { base, head, changes, notes };
}

/**
 * PATH entries (first), read-only mounts and variables (below the config's `env`: a Node's headers for
 * native addons) a side's commands need for its runtimes.
 */
export function runtimeAccess(runtimes: readonly ResolvedRuntime[]): { bins: string[]; mounts: string[]; env: Record<string, string> } {
  return {
    bins: runtimes.map((r) => r.binDir).filter((d): d is string => d !== null),
    mounts: [...new Set(runtimes.flatMap((r) => r.mounts))].map((p) => path.resolve(p)),
    env: Object.assign({}, ...runtimes.map((r) => r.env ?? {})) as Record<string, string>,
  };
}
