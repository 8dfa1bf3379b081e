// Which changed files can change what a benchmark measures (the automatic trigger runs only when one
// changed): lockfiles, and files that pin the runtime (.nvmrc, .python-version, .tool-versions, runtime.txt,
// Dockerfiles). package.json is left out: most of its changes pin nothing, and an engines bump comes with
// a lockfile change or a label. One function, so the GitHub layer has a single place that decides; the
// knowledge of formats lives in src/lockfiles/ and src/runtimes/.
import { isLockfilePath } from '../lockfiles/detect.ts';
import { isRuntimePinFile } from '../runtimes/index.ts';

/** True for a lockfile or runtime pin file anywhere in the repo (monorepos keep one per package). */
export function isLockfileChange(path: string): boolean {
  return isLockfilePath(path) || isRuntimePinFile(path);
}
