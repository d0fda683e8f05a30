import { defineConfig } from 'vitest/config';

/**
 * Suites that load the whole machine (thousands of webhooks through a local stack, or faults
 * timed against the queue's visibility) run in a group of their own, one at a time: beside each
 * other on two cores they only measure each other.
 */
const underLoad = ['test/fault/**/*.test.ts', 'test/e2e/large-request.test.ts', 'test/e2e/change-feed.test.ts'];

export default defineConfig({
  test: {
    // Integration and end-to-end suites start their own DynamoDB Local (a JVM) and servers.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: 'us-east-1' },
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: underLoad } },
      { extends: true, test: { name: 'under-load', include: underLoad, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
