// Which lockfile format a file is: from its name, and from its content when the name says nothing
// (a requirements file called deps.lock, a package-lock saved as base-lock.json).
import { lockfileManagers, sniffOrder } from './registry.ts';
import { normaliseText } from './shared/text.ts';
import type { LockfileKind } from './types.ts';

/** The format the file name alone implies, or null. */
export function detectFromPath(path: string): LockfileKind | null {
  for (const kind of sniffOrder) if (lockfileManagers[kind].matchesPath(path)) return kind;
  return null;
}

/** The format the content implies, or null. */
export function detectFromContent(text: string): LockfileKind | null {
  const normalised = normaliseText(text);
  for (const kind of sniffOrder) if (lockfileManagers[kind].sniff(normalised)) return kind;
  return null;
}

/** The name decides when it is a known lockfile name; otherwise the content, when given. */
export function detectLockfile(path: string, text?: string): LockfileKind | null {
  return detectFromPath(path) ?? (text === undefined ? null : detectFromContent(text));
}

/**
 * Does a path changed by a PR name a lockfile we can read? By name only (a PR file list has no content):
 * package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, poetry.lock, Pipfile.lock, uv.lock,
 * *requirements*.txt / *constraints*.txt, and any .txt under a requirements/ folder.
 */
export function isLockfilePath(path: string): boolean {
  return detectFromPath(path) !== null;
}
