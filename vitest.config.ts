import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their `sluice-source` export condition,
// so they run against TypeScript sources without a build.
const conditions = ['sluice-source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: [] } },
  test: {
    // dashboard component tests (*.test.tsx) pick happy-dom in a docblock; everything else runs in node
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/dashboard/src/**/*.test.tsx',
      'packages/dashboard/e2e/**/*.test.ts',
      'examples/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
