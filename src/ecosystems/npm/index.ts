// The npm ecosystem: releases and links from the configured registry's packument, pinning by overrides.
import { releasesBetween, sortReleases } from '../shared/between.ts';
import type { EcosystemModule } from '../types.ts';
import { pinNpm } from './pin.ts';
import { fetchPackument, linksOf, releasesOf, semverRules } from './registry.ts';

export const npmEcosystem: EcosystemModule = {
  id: 'npm',
  async listReleases(name, ctx) {
    return sortReleases(releasesOf(await fetchPackument(name, ctx)), semverRules);
  },
  async listReleasesBetween(name, from, to, ctx) {
    return releasesBetween(releasesOf(await fetchPackument(name, ctx)), from, to, semverRules);
  },
  async packageLinks(name, ctx) {
    return linksOf(await fetchPackument(name, ctx));
  },
  compareVersions(a, b) {
    const va = semverRules.valid(a);
    const vb = semverRules.valid(b);
    if (va && vb) return semverRules.compare(a, b);
    return va === vb ? 0 : va ? -1 : 1;
  },
  pin: pinNpm,
};
