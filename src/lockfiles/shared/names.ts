// Package-name and version-spec helpers shared by the parsers.

/** PEP 503 normalised name: lowercase, every run of "-", "_" and "." becomes one "-". */
export function normalisePypiName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Split "name@spec" where the name may be scoped ("@scope/name@1.0.0"): the separator is the first "@" after
 * the first character. Returns null when there is no separator.
 */
export function splitNameAt(descriptor: string): { name: string; spec: string } | null {
  const at = descriptor.indexOf('@', 1);
  if (at <= 0) return null;
  return { name: descriptor.slice(0, at), spec: descriptor.slice(at + 1) };
}

/** A version that names a release (starts with a digit), not a URL, path or tag. */
export function looksLikeVersion(version: unknown): version is string {
  return typeof version === 'string' && /^v?\d/.test(version.trim());
}
