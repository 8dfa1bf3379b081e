// The registry map of lockfile formats: adding a format is a new folder and one line here.
import { npmManager } from './npm/index.ts';
import { pipenvManager } from './pipenv/index.ts';
import { pnpmManager } from './pnpm/index.ts';
import { poetryManager } from './poetry/index.ts';
import { requirementsManager } from './requirements/index.ts';
import type { LockfileKind, LockfileManager } from './types.ts';
import { uvManager } from './uv/index.ts';
import { yarnManager } from './yarn/index.ts';

export const lockfileManagers: Readonly<Record<LockfileKind, LockfileManager>> = {
  npm: npmManager,
  yarn: yarnManager,
  pnpm: pnpmManager,
  requirements: requirementsManager,
  poetry: poetryManager,
  pipenv: pipenvManager,
  uv: uvManager,
};

/**
 * The order content sniffing tries them in: the most specific signatures first, requirements (the loosest:
 * plain "name==1.0" lines) last.
 */
export const sniffOrder: readonly LockfileKind[] = ['npm', 'pipenv', 'yarn', 'pnpm', 'poetry', 'uv', 'requirements'];
