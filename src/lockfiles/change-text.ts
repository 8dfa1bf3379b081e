// How a change reads in words, the same in the CLI table, the report and the notes: a side's version
// (with its git commit when the version alone does not tell the sides apart), and where the change sits
// (its source, or the nested install paths).
import type { Change, PackageSource } from '../model.ts';

/** "1.1.0", or "1.0.0 (git 84e4344)" for a git package whose version is not its commit; null for no side. */
export function sideLabel(version: string | null, source: PackageSource | null | undefined): string | null {
  if (version === null) return null;
  if (source?.kind === 'git' && source.commit !== undefined && version !== source.commit) {
    return `${version} (git ${source.commit.slice(0, 7)})`;
  }
  return version;
}

/** Both sides of a change as labels: the commit shows on git sides so "1.0.0 → 1.0.0" never happens. */
export function changeLabels(change: Change): { from: string | null; to: string | null } {
  return { from: sideLabel(change.from, change.source?.from), to: sideLabel(change.to, change.source?.to) };
}

/**
 * Where the change sits, in words, or "" for a registry change of the top-level copy: "git git+ssh://…",
 * ".nvmrc" (a runtime),
 * "file file:vendor/regionkit-1.1.0.tgz", "nested: node_modules/make-dir/node_modules/semver (+2 more)".
 */
export function whereLabel(change: Change): string {
  // A runtime change sits in the file that pins it (and where in it): ".nvmrc", "package.json engines.node".
  if (change.ecosystem === 'runtime') return [change.lockfile, change.field].filter(Boolean).join(' ');
  const parts: string[] = [];
  const source = change.source?.to ?? change.source?.from;
  if (source) {
    const fromRegistry = change.from !== null && change.source?.from === null ? ' (was a registry release)' : '';
    const toRegistry = change.to !== null && change.source?.to === null ? ' (now a registry release)' : '';
    parts.push(`${source.kind} ${source.spec}${fromRegistry}${toRegistry}`);
  }
  const nested = (change.locations ?? []).filter((location) => !isTopLevel(location));
  if (nested.length > 0) {
    const top = (change.locations ?? []).length > nested.length ? 'top level and ' : '';
    parts.push(`${top}nested: ${nested[0]}${nested.length > 1 ? ` (+${nested.length - 1} more)` : ''}`);
  }
  return parts.join('; ');
}

/** "node_modules/semver" or "node_modules/@types/node": the project's own top-level copy. */
export function isTopLevel(location: string): boolean {
  return /^node_modules\/(@[^/]+\/)?[^/]+$/.test(location);
}
