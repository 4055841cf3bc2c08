import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts', 'web/src/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // e2e tests boot real processes and ports; keep files parallel but bounded on 2 cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
