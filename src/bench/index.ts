// Public API of the measuring primitives: servers, load, process-tree sampling.
export { freePort } from './ports.ts';
export { startServer, baseChildEnv, ServerStartError } from './server.ts';
export type { ServerHandle, StartServerOptions, ServerStartFailure } from './server.ts';
export { declareShutdownOwner, killAllServers, stopAllServers } from './process-group.ts';
export { listTree, sampleTree, monitorTree, clockTicksPerSecond } from './proc-tree.ts';
export type { TreeSample, TreeUsage, TreeMonitor } from './proc-tree.ts';
export { createLoadGenerator, LoadGeneratorError, LoginError } from './load-generator.ts';
export type { LoadGenerator, LoadGeneratorOptions, LoadRun, RunOptions, LoadRunOptions, Session } from './load-generator.ts';
