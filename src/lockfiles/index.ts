// The lockfiles module's public surface: read a lockfile, diff two, and read what a bump message claims.
export { compareHints, parseBumpMessage } from './bump-message.ts';
export type { BumpHint, HintDisagreement, HintSource } from './bump-message.ts';
export { changeLabels, isTopLevel, sideLabel, whereLabel } from './change-text.ts';
export { detectFromContent, detectFromPath, detectLockfile, isLockfilePath } from './detect.ts';
export { compareVersions, diffLockfileContents, diffPackageSets, packageSetDifference, setDiffLines } from './diff.ts';
export type { PackageSetDifference } from './diff.ts';
export { classifyPackages } from './dependency-scope.ts';
export { devOnlyBump, otherFilesProblem } from './dev-only.ts';
export type { BumpFiles, DevOnlyVerdict } from './dev-only.ts';
export { isLockfileError, LockfileError } from './errors.ts';
export { changedOnlyInDevParts, isManifestPath, manifestPathFor, manifestRoots } from './manifests.ts';
export type { LockfileErrorCode } from './errors.ts';
export { parseLockfile } from './parse.ts';
export type { ParsedLockfile } from './parse.ts';
export { lockfileManagers } from './registry.ts';
export { sourceOfSpec } from './shared/sources.ts';
export type { DependencyRoots, LockfileKind, LockfileManager, PackageSource, ParseResult, ResolvedPackage, SourceKind } from './types.ts';
