// The ecosystems bumpbench can list releases for and pin versions in, by the `ecosystem` of a Change.
import type { Ecosystem } from '../model.ts';
import { npmEcosystem } from './npm/index.ts';
import { pythonEcosystem } from './python/index.ts';
import type { EcosystemModule } from './types.ts';

export const ecosystems: Record<Ecosystem, EcosystemModule> = {
  npm: npmEcosystem,
  pypi: pythonEcosystem,
};

export { PinInstallError, PinUnsupportedError, RegistryError } from './types.ts';
export type { EcosystemContext, EcosystemModule, PackageLinks, PinResult, Release } from './types.ts';
export { CONSTRAINTS_FILE } from './python/pin.ts';
export { normaliseName as normalisePythonName } from './python/versions.ts';
