import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic beside the code, no services) and `integration`
// (real Redis, real kube-apiservers). `npm test` runs both.
export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: [
            'test/support/global-setup-redis.ts',
            ...(process.env.LIFEBOAT_SKIP_CLUSTERS
              ? []
              : ['test/support/global-setup-clusters.ts']),
          ],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // One file at a time: files share three API servers and one Redis on two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
