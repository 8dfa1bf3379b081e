import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Benchmarks measure real servers: running test files in parallel on 2 cores would make them measure each other.
    fileParallelism: false,
  },
});
