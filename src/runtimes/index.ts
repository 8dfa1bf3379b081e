// The runtimes module's public surface: read where a repository pins Node or Python, provision that exact
// runtime (Node from the npm registry's binary packages, Python from the machine's interpreters), and say
// what changed between two commits.
export { declarationPlace, isRuntimeFilePath, isRuntimePinFile, parseRuntimeFile, winningDeclaration } from './declarations.ts';
export { diffDeclarations, diffRuntimeFile } from './diff.ts';
export { parseRuntimeFlag } from './flags.ts';
export { machineRuntime } from './machine.ts';
export { nodePackageName, nodeRegistry, provisionNode } from './node-provision.ts';
export { nodeRange, pickNodeVersion, pinsOneMajor } from './node-spec.ts';
export { findPythonInterpreters, forgetPythonInterpreters } from './python-interpreters.ts';
export type { PythonInterpreter } from './python-interpreters.ts';
export { installHint, pickInterpreter, provisionPython } from './python-provision.ts';
export { parsePythonSpec } from './python-spec.ts';
export { provisionRuntime, runtimeCacheDir } from './provision.ts';
export { RuntimeUnavailableError } from './types.ts';
export type { ResolvedRuntime, RuntimeDeclaration, RuntimeKind, RuntimeRequest, RuntimeSource } from './types.ts';
