// Which changed files are lockfiles (the auto trigger runs only when one changed).
// TODO(lockfiles): switch `isLockfileChange` to `isLockfilePath` from src/lockfiles/detect.ts once it lands;
// this local list exists only until then, behind this one function.
import { posix } from 'node:path';

const LOCKFILE_NAMES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
]);

/** True for a lockfile path anywhere in the repo (monorepos keep one per package). */
export function isLockfileChange(path: string): boolean {
  const name = posix.basename(path);
  if (LOCKFILE_NAMES.has(name)) return true;
  // requirements.txt, requirements-prod.txt, requirements/base.txt: pinned Python sets.
  return /^requirements[\w.-]*\.txt$/i.test(name) || /(^|\/)requirements\/[\w.-]+\.txt$/i.test(path);
}
