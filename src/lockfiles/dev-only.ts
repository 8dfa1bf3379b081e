// Whether a bump touches only what development needs, so measuring the server would measure nothing new:
// every changed package is a dev one, the changed files are lockfiles and manifests only, and each changed
// manifest changed only in its dev parts. Anything unknown counts against it — a change whose kind cannot
// be told, a file of another kind — so a bump is never skipped for lack of knowledge.
import type { Change } from '../model.ts';
import { isLockfilePath } from './detect.ts';
import { changedOnlyInDevParts, isManifestPath } from './manifests.ts';

export interface BumpFiles {
  /** Every file the commits differ in (repository paths). */
  changed: readonly string[];
  /** The changed manifests' text on each side (null where absent or not read). */
  manifests: readonly { path: string; before: string | null; after: string | null }[];
}

/** `summary`: what changed, as a noun phrase ("2 dev dependencies (jest 29.6.0 → 29.7.0)"); `why`: why it is not dev only. */
export type DevOnlyVerdict = { devOnly: true; summary: string } | { devOnly: false; why: string };

const list = (names: string[], max = 3) => `${names.slice(0, max).join(', ')}${names.length > max ? ` and ${names.length - max} more` : ''}`;

/** Why the changed files alone rule a dev-only bump out (files other than lockfiles and manifests), or null. */
export function otherFilesProblem(changed: readonly string[]): string | null {
  const others = changed.filter((f) => !isLockfilePath(f) && !isManifestPath(f));
  return others.length > 0 ? `it changes other files too (${list(others)})` : null;
}

export function devOnlyBump(changes: readonly Change[], files: BumpFiles): DevOnlyVerdict {
  const others = otherFilesProblem(files.changed);
  if (others !== null) return { devOnly: false, why: others };
  if (changes.length === 0) return { devOnly: false, why: 'no package changed' };
  const manifests = files.changed.filter(isManifestPath);
  for (const path of manifests) {
    const sides = files.manifests.find((m) => m.path === path);
    if (!sides || !changedOnlyInDevParts(path, sides.before, sides.after)) {
      return { devOnly: false, why: `${path} changed outside its dev dependencies` };
    }
  }
  const runtime = changes.filter((c) => c.scope === 'runtime');
  if (runtime.length > 0) return { devOnly: false, why: `the server needs ${list(runtime.map((c) => c.name))}` };
  const unknown = changes.filter((c) => c.scope !== 'dev');
  if (unknown.length > 0) return { devOnly: false, why: `whether ${list(unknown.map((c) => c.name))} ${unknown.length > 1 ? 'are' : 'is'} dev only cannot be told` };
  const direct = changes.filter((c) => c.direct).map((c) => `${c.name} ${c.from ?? '(added)'} → ${c.to ?? '(removed)'}`);
  return {
    devOnly: true,
    summary: `${changes.length} dev dependenc${changes.length === 1 ? 'y' : 'ies'}${direct.length ? ` (${list(direct)})` : ''}`,
  };
}
