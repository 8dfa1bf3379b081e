// Which resolved packages the server needs (runtime) and which only development needs (dev), and which the
// project lists itself (direct) rather than getting them with another package (transitive). The lockfile's
// own flag wins where it has one (npm, pnpm < 9, Poetry's category or groups, Pipfile.lock, a dev
// requirements file); otherwise the graph from the project's own lists decides, as npm itself computes its
// flag: what a runtime dependency reaches is runtime, what only dev dependencies reach is dev. The graph is
// by name (a name reached at one version counts at every version), which errs towards "runtime": a bump is
// never called dev-only for lack of knowledge.
import { isTopLevel } from './change-text.ts';
import type { DependencyRoots, ResolvedPackage } from './types.ts';

/** Every name reachable from `start` over `requires`. */
function reachable(start: readonly string[], requires: Map<string, Set<string>>): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const next of requires.get(name) ?? []) if (!seen.has(next)) queue.push(next);
  }
  return seen;
}

/**
 * The packages with `dev` and `direct` filled in where they can be known (left undefined where they cannot:
 * no flag, no project lists). `roots`: the project's own lists, from the lockfile or its manifest.
 */
export function classifyPackages(packages: readonly ResolvedPackage[], roots: DependencyRoots | null): ResolvedPackage[] {
  if (!roots) return [...packages];
  const listed = new Set([...roots.runtime, ...roots.dev]);
  const requires = new Map<string, Set<string>>();
  let graph = false;
  for (const pkg of packages) {
    if (!pkg.requires) continue;
    graph = true;
    let set = requires.get(pkg.name);
    if (!set) requires.set(pkg.name, (set = new Set()));
    for (const name of pkg.requires) set.add(name);
  }
  // Without a graph, only the listed packages themselves can be told apart.
  const runtime = graph ? reachable(roots.runtime, requires) : new Set(roots.runtime);
  const dev = graph ? reachable(roots.dev, requires) : new Set(roots.dev);
  return packages.map((pkg) => {
    const direct = pkg.direct ?? (listed.has(pkg.name) && (pkg.location === undefined || isTopLevel(pkg.location.slice(pkg.location.indexOf('node_modules/')))));
    const isDev = pkg.dev ?? (runtime.has(pkg.name) ? false : dev.has(pkg.name) ? true : undefined);
    return { ...pkg, direct, ...(isDev !== undefined ? { dev: isDev } : {}) };
  });
}
