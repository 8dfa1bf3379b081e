// yarn.lock from yarn 2+ ("berry"): YAML, one entry per resolution, keyed by every descriptor that
// resolved to it ("a@npm:^1.0.0, a@npm:^1.2.0").
import { LockfileError } from '../errors.ts';
import { looksLikeVersion, splitNameAt } from '../shared/names.ts';
import { parseYamlText } from '../shared/parse-data.ts';
import { isProjectLinkSpec, refOf, sourceOfSpec } from '../shared/sources.ts';
import { findLine } from '../shared/text.ts';
import type { ParseResult, ResolvedPackage } from '../types.ts';

const WHAT = 'yarn.lock (berry)';

export function isBerry(text: string): boolean {
  return /^__metadata:\s*$/m.test(text.slice(0, 2000));
}

interface BerryEntry {
  version?: unknown;
  resolution?: unknown;
  linkType?: unknown;
  dependencies?: unknown;
}

export function parseBerry(text: string, file: string): ParseResult {
  const data = parseYamlText(text, file, WHAT);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new LockfileError(`the top level is not a mapping (not a valid ${WHAT})`, { file });
  }
  const entries = Object.entries(data as Record<string, unknown>).filter(([key]) => key !== '__metadata');

  const names = new Set<string>();
  for (const [key] of entries) {
    for (const descriptor of key.split(/,\s*/)) names.add(splitNameAt(descriptor.trim())?.name ?? descriptor.trim());
  }

  const packages: ResolvedPackage[] = [];
  for (const [key, raw] of entries) {
    const entry = raw as BerryEntry;
    // linkType is the last field yarn writes, so an entry without it was cut short.
    if (typeof entry !== 'object' || entry === null || typeof entry.resolution !== 'string' || typeof entry.linkType !== 'string') {
      throw new LockfileError(
        `entry lacks "resolution" or "linkType" (not a valid ${WHAT}; the file may be truncated)`,
        { file, key, line: lineOfKey(text, key) },
      );
    }
    checkReferences(key, entry, names, text, file);
    const resolved = resolveEntry(entry.resolution, entry.version);
    // yarn.lock has no dev flag: the names each entry depends on let the graph from package.json tell.
    const requires = typeof entry.dependencies === 'object' && entry.dependencies !== null ? Object.keys(entry.dependencies) : [];
    if (resolved) packages.push({ ...resolved, selectedBy: key.split(/,\s*/).map((descriptor) => descriptor.trim()), ...(requires.length ? { requires } : {}) });
  }
  return { packages, notes: [] };
}

/**
 * The resolution names the real package and how it was fetched: "name@npm:1.2.3" is a registry release,
 * "name@patch:name@npm%3A1.2.3#..." a patched registry release (same version); "name@file:…", git
 * ("https://github.com/o/r.git#commit=<sha>") and URL resolutions are packages with a source; workspace:,
 * link:, portal: and exec: are the project's own code.
 */
function resolveEntry(resolution: string, version: unknown): ResolvedPackage | null {
  const parsed = splitNameAt(resolution);
  if (!parsed) return null;
  let source = parsed.spec;
  if (source.startsWith('patch:')) {
    const inner = splitNameAt(decodeURIComponent(source.slice('patch:'.length).split('#')[0]));
    if (!inner) return null;
    source = inner.spec;
  }
  if (source.startsWith('npm:')) {
    return looksLikeVersion(version) ? { ecosystem: 'npm', name: parsed.name, version } : null;
  }
  if (isProjectLinkSpec(source)) return null;
  // "file:vendor/x.tgz#vendor/x.tgz::hash=…&locator=…": the part before "#" or "::" is what package.json says.
  const readable = /^file:/.test(source) ? source.replace(/(#|::).*$/, '') : source.replace(/::.*$/, '');
  const found = sourceOfSpec(readable);
  if (!found) return null;
  return { ecosystem: 'npm', name: parsed.name, version: looksLikeVersion(version) ? version : refOf(found), source: found };
}

/**
 * Every dependency has an entry. Only the name is checked: a "resolutions" override in package.json makes
 * yarn keep the original range in "dependencies" while the entry is keyed by the override. Entries are
 * sorted by name, so a file cut short loses the later names and this catches it.
 */
function checkReferences(key: string, entry: BerryEntry, names: Set<string>, text: string, file: string): void {
  const deps = entry.dependencies;
  if (typeof deps !== 'object' || deps === null) return;
  for (const [name, range] of Object.entries(deps as Record<string, unknown>)) {
    if (!names.has(name)) {
      throw new LockfileError(
        `"${key}" depends on ${name}@${String(range)}, but there is no entry for ${name}: the file looks truncated or hand-edited (run yarn install)`,
        { file, key, line: lineOfKey(text, key) },
      );
    }
  }
}

function lineOfKey(text: string, key: string): number | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return findLine(text, new RegExp(`^"?${escaped}"?:`, 'm'));
}
