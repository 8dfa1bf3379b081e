// The Python ecosystem (PyPI and any PEP 503/691 index): releases from the simple API at the index pip
// would use, links from core metadata, pinning through requirements files and a constraints file.
import { releasesBetween } from '../shared/between.ts';
import type { EcosystemModule } from '../types.ts';
import { pinPython } from './pin.ts';
import { projectFiles, pythonLinks, releasesFromFiles } from './releases.ts';
import { pep440Rules } from './versions.ts';

export const pythonEcosystem: EcosystemModule = {
  id: 'pypi',
  async listReleases(name, ctx) {
    return releasesFromFiles((await projectFiles(name, ctx)).files);
  },
  async listReleasesBetween(name, from, to, ctx) {
    return releasesBetween(releasesFromFiles((await projectFiles(name, ctx)).files), from, to, pep440Rules);
  },
  packageLinks: pythonLinks,
  compareVersions(a, b) {
    const va = pep440Rules.valid(a);
    const vb = pep440Rules.valid(b);
    if (va && vb) return pep440Rules.compare(a, b);
    return va === vb ? 0 : va ? -1 : 1;
  },
  pin: pinPython,
};
