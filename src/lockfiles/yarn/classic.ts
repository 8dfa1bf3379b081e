// yarn.lock v1 ("classic"), read with @yarnpkg/lockfile after our own checks: that parser spins for seconds
// and dies with "Invalid string length" on an unterminated string (a truncated file), so we catch those first.
import * as yarnLockfile from '@yarnpkg/lockfile';
import { LockfileError } from '../errors.ts';
import { looksLikeVersion, splitNameAt } from '../shared/names.ts';
import { isProjectLinkSpec, refOf, sourceOfResolved, sourceOfSpec } from '../shared/sources.ts';
import { findLine, lastLine } from '../shared/text.ts';
import type { ParseResult, ResolvedPackage } from '../types.ts';

// The package is a CommonJS bundle whose exports Node's ESM loader cannot see by name: under plain Node the
// functions sit on the default export, under a CommonJS transpile (vitest, tsx --cjs) on the namespace.
type YarnParse = typeof yarnLockfile.parse;
const parseYarnLockfile: YarnParse =
  (yarnLockfile as { parse?: YarnParse }).parse ?? (yarnLockfile as unknown as { default: { parse: YarnParse } }).default.parse;

export function isClassic(text: string): boolean {
  return /^# yarn lockfile v1\s*$/m.test(text.slice(0, 1000));
}

interface ClassicEntry {
  version?: unknown;
  resolved?: unknown;
  dependencies?: unknown;
  optionalDependencies?: unknown;
}

export function parseClassic(text: string, file: string): ParseResult {
  checkStrings(text, file);
  const conflict = findLine(text, /^<{7}/m);
  if (conflict !== undefined) {
    throw new LockfileError('unresolved git merge conflict markers (<<<<<<<): resolve the conflict and run yarn install', {
      file,
      line: conflict,
    });
  }
  let object: Record<string, ClassicEntry>;
  try {
    object = parseYarnLockfile(text, file).object as Record<string, ClassicEntry>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /(\d+):(\d+) in /.exec(message);
    const detail = message.replace(/\s*\d+:\d+ in .*$/s, '').replace(/^Unknown token: \{.*\}$/s, 'unexpected token');
    const line = at ? Number(at[1]) : undefined;
    const truncated = line !== undefined && line >= lastLine(text) ? ': the file looks truncated' : '';
    throw new LockfileError(`not a valid yarn.lock v1 (${detail})${truncated}`, { file, line, cause: error });
  }

  const names = new Set(Object.keys(object).map((key) => splitNameAt(key)?.name ?? key));
  // The library gives each range of a multi-range key ("a@^1.0.0, a@^1.1.0") its own key, same object:
  // gather the keys of each entry, they are the descriptors that selected it.
  const descriptors = new Map<ClassicEntry, string[]>();
  for (const [key, entry] of Object.entries(object)) {
    if (typeof entry !== 'object' || entry === null || typeof entry.version !== 'string') {
      throw new LockfileError('entry has no version (not a valid yarn.lock v1; the file may be truncated)', {
        file,
        key,
        line: lineOfKey(text, key),
      });
    }
    const keys = descriptors.get(entry);
    if (keys) keys.push(key);
    else descriptors.set(entry, [key]);
  }
  const packages: ResolvedPackage[] = [];
  for (const [entry, keys] of descriptors) {
    checkReferences(keys[0], entry, names, text, file);
    const resolved = resolveEntry(keys[0], entry.version as string, typeof entry.resolved === 'string' ? entry.resolved : undefined);
    const requires = dependencyNames(entry);
    if (resolved) packages.push({ ...resolved, selectedBy: keys, ...(requires.length ? { requires } : {}) });
  }
  return { packages, notes: [] };
}

/**
 * Every key is "name@range"; aliases are "alias@npm:real-name@range". A range that is a file, folder, git
 * or URL spec (or an entry resolved from one) is a package with a source; its spec is the range for files
 * and folders, and what yarn resolved (with the commit) for git and URLs.
 */
function resolveEntry(key: string, version: string, resolved: string | undefined): ResolvedPackage | null {
  const descriptor = splitNameAt(key);
  if (!descriptor) return null;
  let { name, spec } = descriptor;
  if (spec.startsWith('npm:')) {
    const alias = splitNameAt(spec.slice(4));
    if (alias) ({ name, spec } = alias);
  }
  if (isProjectLinkSpec(spec)) return null;
  const fromRange = sourceOfSpec(spec);
  const fromResolved = resolved === undefined ? null : sourceOfResolved(resolved);
  // A URL dependency has a URL range; a registry release may be fetched from a mirror of any shape, so only
  // the range can say "url". A git or file resolution under a plain range comes from a "resolutions" override.
  const kind = fromRange?.kind ?? (fromResolved?.kind === 'url' ? undefined : fromResolved?.kind);
  if (kind !== undefined) {
    const source =
      (kind === 'git' || kind === 'url') && fromResolved ? { ...fromResolved, kind } : (fromRange ?? fromResolved)!;
    return { ecosystem: 'npm', name, version: looksLikeVersion(version) ? version : refOf(source), source };
  }
  if (!looksLikeVersion(version)) return null;
  return { ecosystem: 'npm', name, version };
}

/**
 * yarn writes an entry for every dependency it resolved, so a dependency with no entry means the file was
 * cut short or edited by hand; this is what catches a file truncated between two entries. Only the name is
 * checked: "resolutions" in package.json can key the entry by another range.
 */
function checkReferences(key: string, entry: ClassicEntry, names: Set<string>, text: string, file: string): void {
  for (const field of ['dependencies', 'optionalDependencies'] as const) {
    const deps = entry[field];
    if (typeof deps !== 'object' || deps === null) continue;
    for (const [name, range] of Object.entries(deps as Record<string, unknown>)) {
      if (!names.has(name)) {
        throw new LockfileError(
          `"${key}" depends on ${name}@${String(range)}, but there is no entry for ${name}: the file looks truncated or hand-edited (run yarn install)`,
          { file, key, line: lineOfKey(text, key) },
        );
      }
    }
  }
}

/** The names an entry depends on: yarn.lock has no dev flag, so the graph from package.json tells dev apart. */
function dependencyNames(entry: ClassicEntry): string[] {
  return (['dependencies', 'optionalDependencies'] as const).flatMap((field) => {
    const deps = entry[field];
    return typeof deps === 'object' && deps !== null ? Object.keys(deps) : [];
  });
}

/** An unterminated string makes the library loop for seconds; find it ourselves and name the line. */
function checkStrings(text: string, file: string): void {
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      if (inString) break;
      line++;
    } else if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '#') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    }
  }
  if (inString) {
    const truncated = line >= lastLine(text);
    throw new LockfileError(
      truncated ? 'a quoted string is never closed: the file looks truncated' : 'a quoted string is never closed on its line',
      { file, line },
    );
  }
}

function lineOfKey(text: string, key: string): number | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return findLine(text, new RegExp(`^"?${escaped}"?[,:]`, 'm')) ?? findLine(text, new RegExp(`${escaped}`));
}
