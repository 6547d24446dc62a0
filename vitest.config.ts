import { defineConfig } from 'vitest/config';

// Three projects, run together by `npm test`:
//   unit  pure logic, milliseconds
//   chart real helm 3 and helm 4 over chart/ (lint, template, schema)
//   e2e   the real CLI, helm, kubectl and a real API server on 127.0.0.1
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'chart', include: ['test/chart/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
