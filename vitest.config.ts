import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'connectors/**/*.test.ts',
      'fixtures/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One worker per core (at least 2): the suite is mostly CPU-bound CLI processes, so more
    // workers than cores only contend.
    globalSetup: ['test/cli-bundle-setup.ts'],
    pool: 'forks',
    maxWorkers: Math.max(2, availableParallelism()),
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' },
  },
});
