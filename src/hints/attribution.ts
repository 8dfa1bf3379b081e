// Whose code a stack frame is: a package (the innermost `node_modules/<pkg>` or `site-packages/<pkg>` in
// its path), the repository's own code, or the runtime (Node internals, Python's standard library, the
// hooks themselves). And which of the lockfile's packages a name seen at run time is: npm names are
// the same; Python frames know an import name (`yaml`), which importlib.metadata maps to its
// distribution (`PyYAML`), compared with the lockfile under PEP 503 normalization.
import type { Change, Ecosystem } from '../model.ts';

export type FrameOwner =
  | { kind: 'package'; name: string; ecosystem: Ecosystem; inside: string }
  | { kind: 'app'; path: string }
  | { kind: 'runtime' };

const HOOK_FILES = /\/hints\/hooks\/(node-observe\.cjs|python\/sitecustomize\.py)$/;

/** The owner of a file seen in a stack: `runtimeDirs` are Python's standard library directories. */
export function ownerOfFile(file: string | null, runtimeDirs: readonly string[] = []): FrameOwner {
  if (!file) return { kind: 'runtime' };
  let name = file;
  if (name.startsWith('file://')) {
    try {
      name = decodeURIComponent(new URL(name).pathname);
    } catch {
      return { kind: 'runtime' };
    }
  }
  if (!name.startsWith('/') || HOOK_FILES.test(name)) return { kind: 'runtime' };
  const nm = name.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = name.slice(nm + '/node_modules/'.length).split('/');
    const scoped = parts[0].startsWith('@') && parts.length > 1;
    const pkg = scoped ? `${parts[0]}/${parts[1]}` : parts[0];
    return { kind: 'package', name: pkg, ecosystem: 'npm', inside: parts.slice(scoped ? 2 : 1).join('/') };
  }
  for (const marker of ['/site-packages/', '/dist-packages/']) {
    const at = name.lastIndexOf(marker);
    if (at >= 0) {
      const rest = name.slice(at + marker.length);
      const top = rest.split('/')[0].replace(/\.py$/, '');
      return { kind: 'package', name: top, ecosystem: 'pypi', inside: rest };
    }
  }
  if (runtimeDirs.some((dir) => name.startsWith(dir.endsWith('/') ? dir : `${dir}/`))) return { kind: 'runtime' };
  return { kind: 'app', path: name };
}

/** PEP 503: case, and runs of "-", "_", "." are not significant in a Python package name. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export interface ResolvedPackage {
  /** The lockfile's spelling when it is a change; else the distribution (Python) or package name. */
  name: string;
  ecosystem: Ecosystem;
  /** One of the lockfile's changes. */
  changed: boolean;
}

/** Names seen at run time, resolved against the job's changes. */
export class PackageNames {
  private readonly npm = new Map<string, string>();
  private readonly pypi = new Map<string, string>();
  private readonly distributions = new Map<string, string[]>();

  constructor(changes: readonly Change[]) {
    for (const c of changes) {
      if (c.ecosystem === 'npm') this.npm.set(c.name, c.name);
      else if (c.ecosystem === 'pypi') this.pypi.set(normalizePythonName(c.name), c.name);
    }
  }

  /** Import name → distributions, as a Python process reported them. */
  addDistributions(map: Record<string, readonly string[]>): void {
    for (const [top, names] of Object.entries(map)) {
      const known = this.distributions.get(top) ?? [];
      this.distributions.set(top, [...new Set([...known, ...names])]);
    }
  }

  resolve(name: string, ecosystem: Ecosystem): ResolvedPackage {
    if (ecosystem === 'npm') return { name, ecosystem, changed: this.npm.has(name) };
    const candidates = [...(this.distributions.get(name) ?? []), name];
    for (const candidate of candidates) {
      const changed = this.pypi.get(normalizePythonName(candidate));
      if (changed) return { name: changed, ecosystem, changed: true };
    }
    return { name: candidates[0], ecosystem, changed: false };
  }
}
