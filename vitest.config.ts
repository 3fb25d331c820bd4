import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'adapters/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration suites spawn servers and bind ports; two workers fit a 2-core machine.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
