import { flagEnv, intEnv, requireEnv, tableFormatEnv } from '../adapters/env-config'

/** Read once at load: a missing variable fails the cold start, naming it. */
export const config = {
  /** Load heads raw keys only: a commit checks that its version is still the raw zone's. */
  rawBucket: requireEnv('RAW_BUCKET'),
  curatedBucket: requireEnv('CURATED_BUCKET'),
  database: requireEnv('GLUE_DATABASE'),
  /** The deployment's opt-in to record text in the site's rejects samples (sluice:siteRecordText). */
  siteRecordText: flagEnv('SITE_RECORD_TEXT', false),
  /** How long an Iceberg table keeps a replaced snapshot and its files (sluice:snapshotRetentionHours). */
  snapshotRetentionHours: intEnv('SNAPSHOT_RETENTION_HOURS', 24),
  /** The lake's table format for new tables (sluice:tableFormat), unless a contract names its own. */
  tableFormat: tableFormatEnv(),
}
