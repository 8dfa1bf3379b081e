// The search, free of measuring: group testing over changed packages, noisy binary search over releases.
export { StepBudget, costGoal } from './budget.ts';
export { MIN_PART, MIN_SHARE, judgeSplit, judgeStep, positionOf, relative, shareOf, verdictOf, type RatioCi } from './position.ts';
export { headVersions, localizePackages, type FoundPart, type PackageSearchOptions } from './package-search.ts';
export { searchReleases, type ReleaseSearchOptions, type ReleaseSearchResult } from './release-search.ts';
export { searchCulprit, type Contribution, type CulpritFinding, type CulpritSearchOptions, type CulpritSearchResult } from './search.ts';
export { runTrio, type TrioOptions, type TrioOutcome, type TrioRole } from './trio.ts';
export type { Decision, Judge, Oracle, PackageChange, Position, Probe, ProbeVerdict, VersionSet } from './types.ts';
export { pickDecisiveMetric, type DecisiveMetric } from './decisive-metric.ts';
