// Reading one lockfile: detect its format, parse it, and make sure nothing but a LockfileError escapes.
import type { Ecosystem } from '../model.ts';
import { detectLockfile } from './detect.ts';
import { LockfileError } from './errors.ts';
import { lockfileManagers } from './registry.ts';
import { normaliseText } from './shared/text.ts';
import type { DependencyRoots, LockfileKind, ResolvedPackage } from './types.ts';

export interface ParsedLockfile {
  file: string;
  kind: LockfileKind;
  ecosystem: Ecosystem;
  packages: ResolvedPackage[];
  notes: string[];
  /** The project's own dependency lists, where the lockfile keeps a copy. */
  roots?: DependencyRoots;
}

/**
 * Parse `text` as the lockfile at `path` (the path is used for format detection and error messages).
 * `kind` skips detection. Throws LockfileError, and only that.
 */
export function parseLockfile(path: string, text: string, kind?: LockfileKind): ParsedLockfile {
  const normalised = normaliseText(text);
  const detected = kind ?? detectLockfile(path, normalised);
  if (detected === null) {
    throw new LockfileError(
      'not a lockfile format bumpbench reads (package-lock.json, yarn.lock, pnpm-lock.yaml, requirements.txt, poetry.lock, Pipfile.lock, uv.lock)',
      { file: path, code: 'unknown-format' },
    );
  }
  const manager = lockfileManagers[detected];
  try {
    const { packages, notes, roots } = manager.parse(normalised, path);
    return { file: path, kind: detected, ecosystem: manager.ecosystem, packages, notes, ...(roots ? { roots } : {}) };
  } catch (error) {
    if (error instanceof LockfileError) throw error;
    // A parser bug or a library failure we did not foresee: still one clear line for the user.
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new LockfileError(`could not be read as ${detected} lockfile (${detail})`, { file: path, cause: error });
  }
}
