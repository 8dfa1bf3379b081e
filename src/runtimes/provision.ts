// One entry for any runtime request: Node from the npm registry, Python from the machine's interpreters.
import path from 'node:path';
import { provisionNode } from './node-provision.ts';
import { provisionPython } from './python-provision.ts';
import type { ResolvedRuntime, RuntimeRequest } from './types.ts';

/** Where provisioned runtimes live: BUMPBENCH_RUNTIME_CACHE (shared by several data dirs), or under the cache dir. */
export function runtimeCacheDir(cacheDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.BUMPBENCH_RUNTIME_CACHE ? path.resolve(env.BUMPBENCH_RUNTIME_CACHE) : path.join(cacheDir, 'runtimes');
}

export function provisionRuntime(
  request: RuntimeRequest,
  opts: { cacheDir: string; signal?: AbortSignal; onProgress?: (message: string) => void },
): Promise<ResolvedRuntime> {
  return request.kind === 'node' ? provisionNode(request, opts) : provisionPython(request, opts);
}
