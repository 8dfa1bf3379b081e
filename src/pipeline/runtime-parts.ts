// What bisect does with a runtime change: it is one more changed part, named "runtime:node" or
// "runtime:python" (no package can be called that: npm and PyPI names have no ":"), stepping from base's
// exact runtime to head's with no releases in between. A candidate state runs base's commit on base's
// runtimes, with each runtime part the state names swapped for head's.
import type { PackageChange, VersionSet } from '../bisect/index.ts';
import type { ResolvedRuntime, RuntimeKind } from '../runtimes/index.ts';

const PREFIX = 'runtime:';

export function isRuntimePart(name: string): boolean {
  return name.startsWith(PREFIX);
}

/** "runtime:node" → "node". */
export function runtimeKindOf(part: string): RuntimeKind {
  return part.slice(PREFIX.length) as RuntimeKind;
}

/** A side's runtime as a version of its part: the exact version, or where both sides have that version, where each came from. */
function partVersion(r: ResolvedRuntime | undefined, other: ResolvedRuntime | undefined): string {
  if (!r) return 'none';
  return other && other.version === r.version ? `${r.version} (${r.origin === 'PATH' ? r.executable : r.origin})` : r.version;
}

/** One part per kind whose runtime differs between the sides. */
export function runtimeParts(base: readonly ResolvedRuntime[], head: readonly ResolvedRuntime[]): PackageChange[] {
  const parts: PackageChange[] = [];
  for (const kind of ['node', 'python'] as const) {
    const b = base.find((r) => r.kind === kind);
    const h = head.find((r) => r.kind === kind);
    if (!b && !h) continue;
    if (b && h && b.version === h.version && b.executable === h.executable) continue;
    parts.push({ name: `${PREFIX}${kind}`, from: partVersion(b, h), to: partVersion(h, b), noReleases: true });
  }
  return parts;
}

/** The runtimes of a candidate: base's, with every runtime part the state names at head's version taken from head. */
export function candidateRuntimes(
  base: readonly ResolvedRuntime[], head: readonly ResolvedRuntime[], parts: readonly PackageChange[], versions: VersionSet,
): ResolvedRuntime[] {
  const out = [...base];
  for (const part of parts) {
    if (!(part.name in versions) || versions[part.name] !== part.to) continue;
    const kind = runtimeKindOf(part.name);
    const fromHead = head.find((r) => r.kind === kind);
    const at = out.findIndex((r) => r.kind === kind);
    if (at >= 0) out.splice(at, 1);
    if (fromHead) out.push(fromHead);
  }
  return out;
}

/** The version set without its runtime parts: what the package ecosystems pin. */
export function packageVersions(versions: VersionSet): VersionSet {
  return Object.fromEntries(Object.entries(versions).filter(([name]) => !isRuntimePart(name)));
}
