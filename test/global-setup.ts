// Once per test run: a runtime cache every test file shares, so a Node build is downloaded from the npm
// registry once per run (about 50 MB each), not once per file; removed when the run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    runtimeCache: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bumpbench-test-runtimes-'));
  project.provide('runtimeCache', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
