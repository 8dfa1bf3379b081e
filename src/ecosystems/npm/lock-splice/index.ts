// A candidate state written into the lockfile: base's package.json and lockfile, with the pinned packages'
// entries as head locked them (or made from the registry for a release in between), for each Node
// package manager's format. The install then runs frozen: the project's own command, or its configured
// `install:`, installs exactly the state measured.
import { applySpecs, specChooser } from './manifest-specs.ts';
import { splicePackageLock } from './package-lock.ts';
import { splicePnpm } from './pnpm.ts';
import { SpliceUnsupported, type SpliceRequest, type SpliceResult } from './types.ts';
import { spliceYarnBerry } from './yarn-berry.ts';
import { spliceYarnClassic } from './yarn-classic.ts';

export type LockManager = 'npm' | 'yarn' | 'yarn-berry' | 'pnpm';

export async function spliceLockfile(manager: LockManager, request: SpliceRequest): Promise<SpliceResult> {
  const specFor = specChooser(request.base.manifest, request.head.manifest);
  let spliced: { text: string; specs: Map<string, string> };
  switch (manager) {
    case 'npm':
      spliced = await splicePackageLock(request.base.lockfile, request.head.lockfile, request.versions, specFor, request.registry);
      break;
    case 'yarn':
      spliced = await spliceYarnClassic(request.base, request.head, request.versions, specFor, request.registry);
      break;
    case 'yarn-berry':
      spliced = spliceYarnBerry(request.base, request.head, request.versions, specFor);
      break;
    case 'pnpm':
      spliced = splicePnpm(request.base, request.head, request.versions, specFor);
      break;
  }
  return { manifest: applySpecs(request.base.manifest, spliced.specs), lockfile: spliced.text, notes: [] };
}

export { SpliceUnsupported };
export type { RegistryManifest, RegistryView, SpliceRequest, SpliceResult } from './types.ts';
