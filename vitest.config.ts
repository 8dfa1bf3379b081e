import { defineConfig } from 'vitest/config';

// Tests that measure real servers run one file at a time, after everything else: on 2 cores, two of them
// at once would measure each other. The rest (parsers, statistics, the App against nock, the sandbox, the
// queue) runs in parallel first.
const MEASURING = ['test/integration/**/*.test.ts', 'test/bench/**/*.test.ts', 'test/demo/**/*.test.ts', 'test/dashboard/browser.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: MEASURING, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'measuring', include: MEASURING, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
