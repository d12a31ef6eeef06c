import { ConfigError, intEnv, requireEnv, tableFormatEnv } from '../adapters/env-config'
import { DEFAULT_PLAN_SETTINGS, type PlanSettings } from '../core/lake/step-deps'

/** Read once at load: a missing variable fails the cold start, naming it. */
export const config = {
  rawBucket: requireEnv('RAW_BUCKET'),
  curatedBucket: requireEnv('CURATED_BUCKET'),
  database: requireEnv('GLUE_DATABASE'),
  /** The lake's table format for new tables (sluice:tableFormat), unless a contract names its own. */
  tableFormat: tableFormatEnv(),
  plan: {
    batchSize: intEnv('BATCH_SIZE', DEFAULT_PLAN_SETTINGS.batchSize),
    maxBatchBytes: DEFAULT_PLAN_SETTINGS.maxBatchBytes,
    maxConcurrency: intEnv('MAX_CONCURRENCY', DEFAULT_PLAN_SETTINGS.maxConcurrency),
    maxFilesPerRun: intEnv('MAX_FILES_PER_RUN', DEFAULT_PLAN_SETTINGS.maxFilesPerRun),
    onDelete: onDeleteEnv(),
    splitBytes: intEnv('SPLIT_BYTES', DEFAULT_PLAN_SETTINGS.splitBytes),
  } satisfies PlanSettings,
}

/** `ON_DELETE`: `retract` (the default) or `keep`. */
function onDeleteEnv(): PlanSettings['onDelete'] {
  const value = process.env.ON_DELETE ?? DEFAULT_PLAN_SETTINGS.onDelete
  if (value !== 'retract' && value !== 'keep') throw new ConfigError(`config: ON_DELETE must be retract or keep, got ${JSON.stringify(value)}`)
  return value
}
