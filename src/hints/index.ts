// Hints: why head differs, from an extra, unmeasured observe run per side (outbound calls per request,
// CPU by package) and from a soak's heap summaries (memory by allocation site). docs/hints.md.
export { PackageNames, ownerOfFile, normalizePythonName } from './attribution.ts';
export { suspectFromHints, hintsAbout } from './bisect-order.ts';
export { cpuHints, cpuTable, scenarioCpu, type CpuSide } from './cpu-hints.ts';
export { samplesFromPython, samplesFromV8, type AttributedSample } from './cpu-samples.ts';
export { memoryHints, type MemorySide } from './memory-hints.ts';
export { BUCKET_MS, HOOKS_DIR, ephemeralPortRange, observeEnv, type ObserveMode } from './observe-env.ts';
export { processStates, readObservation, type ProcessObservation } from './observe-files.ts';
export { outboundHints, type ObservedSide } from './outbound-hints.ts';
export { collapsedStacks, pythonCpuprofile, saveProfiles } from './profile-files.ts';
export { rankHints } from './rank.ts';
export { countedBuckets, testWindows, type ObservedScenario } from './windows.ts';
