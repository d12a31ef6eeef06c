import { flagEnv, requireEnv } from '../adapters/env-config'

/** Read once at load: a missing variable fails the cold start, naming it. */
export const config = {
  curatedBucket: requireEnv('CURATED_BUCKET'),
  siteBucket: requireEnv('SITE_BUCKET'),
  database: requireEnv('GLUE_DATABASE'),
  /** The deployment's opt-in to record text on the pages (sluice:siteRecordText). */
  siteRecordText: flagEnv('SITE_RECORD_TEXT', false),
}
