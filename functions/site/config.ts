import { flagEnv, intEnv, requireEnv } from '../adapters/env-config'
import { DEFAULT_STALE_AFTER_HOURS, STALE_AFTER_HOURS_VARIABLE } from '../core/site/site-model'

/** Read once at load: a missing variable fails the cold start, naming it. */
export const config = {
  curatedBucket: requireEnv('CURATED_BUCKET'),
  siteBucket: requireEnv('SITE_BUCKET'),
  database: requireEnv('GLUE_DATABASE'),
  /** The deployment's opt-in to record text on the pages (sluice:siteRecordText). */
  siteRecordText: flagEnv('SITE_RECORD_TEXT', false),
  /** A dataset not loaded for longer is flagged stale on the site. */
  staleAfterHours: intEnv(STALE_AFTER_HOURS_VARIABLE, DEFAULT_STALE_AFTER_HOURS),
}
