// Hints as a bisect's first guess: when the hints that show head worse point at exactly one of the
// packages the search may apply, that package is measured first. Only an ordering: the search still
// measures it, and a wrong guess costs one probe.
import type { Hint } from '../model.ts';

/** The package hints point at, among `searchable`; null when they point at none or at several. */
export function suspectFromHints(hints: readonly Hint[], searchable: readonly string[]): string | null {
  const named = new Set<string>();
  for (const h of hints) {
    // A hint of head doing better explains no regression.
    if (h.perRequest <= 0) continue;
    for (const name of [h.package, ...(h.via ?? [])]) {
      if (name !== null && searchable.includes(name)) {
        named.add(name);
        break;
      }
    }
  }
  return named.size === 1 ? [...named][0] : null;
}

/** The hints about one package (itself, or one it was called through). */
export function hintsAbout(hints: readonly Hint[], name: string): Hint[] {
  return hints.filter((h) => h.package === name || h.via?.includes(name));
}
