// Where the example apps and example libraries live in this checkout. Resolved from this file rather than
// from the working directory, so the demo and the tests work wherever they are started from.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The bumpbench checkout (the folder holding package.json). */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** `examples/`: example apps and the example npm libraries. */
export function exampleRoot(): string {
  return join(repoRoot(), 'examples');
}

/** `examples/npm-packages/`: one folder per example library, each with a releases.json. */
export function examplePackagesDir(): string {
  return join(exampleRoot(), 'npm-packages');
}

/** `examples/node-api/`: the node:http example app the demo benchmarks. */
export function nodeApiExampleDir(): string {
  return join(exampleRoot(), 'node-api');
}

/** `examples/blog-api/`: the example app that needs PostgreSQL and Redis (services, setup, login). */
export function blogApiExampleDir(): string {
  return join(exampleRoot(), 'blog-api');
}
