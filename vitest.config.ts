import { defineConfig } from 'vitest/config'

/**
 * End-to-end suites that choose their lake's table format themselves in every test: they run
 * once, in the first project.
 */
const FORMAT_CHOSEN = [
  'test/e2e/compaction.test.ts',
  'test/e2e/compaction-then-swap.test.ts',
  'test/e2e/iceberg-*.test.ts',
  'test/e2e/lake-copy.test.ts',
  'test/e2e/reader-isolation.test.ts',
  'test/e2e/schema-widening.test.ts',
  'test/e2e/widening-time-series.test.ts',
]

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // Every test, each lake in the format a new lake gets (Iceberg), unless SLUICE_TABLE_FORMAT or the test says.
      { extends: true, test: { name: 'sluice', include: ['test/**/*.test.ts'] } },
      // The end-to-end suite again, every lake a Hive one: the format of the lakes made before Iceberg was the default.
      { extends: true, test: { name: 'e2e-hive', include: ['test/e2e/**/*.test.ts'], exclude: FORMAT_CHOSEN, env: { SLUICE_TABLE_FORMAT: 'hive' } } },
    ],
  },
})
