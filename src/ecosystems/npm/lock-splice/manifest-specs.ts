// The project's package.json of a candidate: a pinned package that is a direct dependency gets head's
// spec when it takes head's release (so a frozen install finds the lockfile in sync with package.json),
// keeps base's spec when that still admits the release, and is pinned exactly otherwise.
import semver from 'semver';

export const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

type Json = Record<string, unknown>;

/** The spec of `name` in a package.json, with the field it is in; null when it is not a direct dependency. */
export function directSpec(manifest: Json, name: string): { field: (typeof DEPENDENCY_FIELDS)[number]; spec: string } | null {
  for (const field of DEPENDENCY_FIELDS) {
    const deps = manifest[field] as Record<string, string> | undefined;
    if (deps && typeof deps === 'object' && typeof deps[name] === 'string') return { field, spec: deps[name] };
  }
  return null;
}

/** Whether a registry version satisfies a spec (a range, or an exact version); false for anything else. */
export function admits(spec: string, version: string): boolean {
  if (semver.valid(version) === null) return spec === version;
  try {
    return semver.satisfies(version, spec, { includePrerelease: true });
  } catch {
    return false;
  }
}

/**
 * The spec a pinned direct dependency gets in the candidate's package.json: head's when it takes head's
 * release (base's when head no longer lists it), base's when that still admits the release, else the
 * exact release. undefined when it is not a direct dependency of base.
 */
export function chooseSpec(base: Json, head: Json, name: string, version: string, takesHead: boolean): string | undefined {
  const mine = directSpec(base, name);
  if (!mine) return undefined;
  const theirs = directSpec(head, name);
  if (takesHead && theirs) return theirs.spec;
  if (mine.spec === version || admits(mine.spec, version)) return mine.spec;
  return version;
}

/** base's package.json text with the given specs written in, keeping its indentation. */
export function applySpecs(baseText: string, specs: ReadonlyMap<string, string>): string {
  const base = JSON.parse(baseText) as Json;
  for (const [name, spec] of specs) {
    const mine = directSpec(base, name);
    if (mine) (base[mine.field] as Record<string, string>)[name] = spec;
  }
  const indent = /^[ \t]+(?=")/m.exec(baseText)?.[0] ?? 2;
  return `${JSON.stringify(base, null, indent)}${baseText.endsWith('\n') ? '\n' : ''}`;
}

/** Parses both package.json texts once and answers chooseSpec for a name. */
export function specChooser(baseText: string, headText: string): (name: string, version: string, takesHead: boolean) => string | undefined {
  const base = JSON.parse(baseText) as Json;
  const head = JSON.parse(headText) as Json;
  return (name, version, takesHead) => chooseSpec(base, head, name, version, takesHead);
}
