import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Runtime and end-to-end tests start real processes; two cores, so two files at a time.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
