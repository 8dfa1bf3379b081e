// The run's shared runtime cache (test/global-setup.ts) for the code under test: provisioned runtimes go
// there, whatever data dir a test uses.
import { inject } from 'vitest';

export function useSharedRuntimeCache(): string {
  const dir = inject('runtimeCache');
  process.env.BUMPBENCH_RUNTIME_CACHE = dir;
  return dir;
}
