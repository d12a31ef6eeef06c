import { requireEnv } from '../adapters/env-config'

/** Read once at load: a missing variable fails the cold start, naming it. */
export const config = {
  curatedBucket: requireEnv('CURATED_BUCKET'),
  siteBucket: requireEnv('SITE_BUCKET'),
  database: requireEnv('GLUE_DATABASE'),
}
