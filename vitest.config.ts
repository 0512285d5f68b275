import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their `sluice-source` export condition,
// so they run against TypeScript sources without a build.
export default defineConfig({
  resolve: { conditions: ['sluice-source', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['sluice-source', 'node', 'import', 'default'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
