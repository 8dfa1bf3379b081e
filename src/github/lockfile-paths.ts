// Which changed files are lockfiles (the automatic trigger runs only when one changed). One function, so the
// GitHub layer has a single place that decides; the knowledge of formats lives in src/lockfiles/.
import { isLockfilePath } from '../lockfiles/detect.ts';

/** True for a lockfile path anywhere in the repo (monorepos keep one per package). */
export function isLockfileChange(path: string): boolean {
  return isLockfilePath(path);
}
