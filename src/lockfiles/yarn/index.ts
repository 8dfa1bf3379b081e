// yarn.lock: classic (yarn 1, its own syntax) and berry (yarn 2+, YAML). One file name, two formats:
// the content decides.
import { baseName } from '../shared/path.ts';
import type { LockfileManager } from '../types.ts';
import { isBerry, parseBerry } from './berry.ts';
import { isClassic, parseClassic } from './classic.ts';

export const yarnManager: LockfileManager = {
  kind: 'yarn',
  ecosystem: 'npm',
  matchesPath: (path) => baseName(path) === 'yarn.lock',
  sniff: (text) => isClassic(text) || isBerry(text),
  parse: (text, file) => (isBerry(text) ? parseBerry(text, file) : parseClassic(text, file)),
};
