import { intEnv, requireEnv } from '../adapters/env-config'
import { DEFAULT_COMPACTION, type CompactionSettings } from '../core/compaction/merge-plan'

const MB = 1024 * 1024

/** Read once at load: a missing variable fails the cold start, naming it. */
export const config = {
  /** Load heads raw keys only: a commit checks that its version is still the raw zone's. */
  rawBucket: requireEnv('RAW_BUCKET'),
  curatedBucket: requireEnv('CURATED_BUCKET'),
  database: requireEnv('GLUE_DATABASE'),
  /**
   * Compaction after each load: COMPACT_TARGET_MB (128), COMPACT_SMALL_PERCENT (25: a part below
   * that share of the target is small), COMPACT_PART_THRESHOLD (32 parts in a partition; 0 never).
   */
  compaction: compactionConfig(),
}

function compactionConfig(): CompactionSettings {
  const threshold = intEnv('COMPACT_PART_THRESHOLD', DEFAULT_COMPACTION.partThreshold)
  return {
    targetBytes: intEnv('COMPACT_TARGET_MB', DEFAULT_COMPACTION.targetBytes / MB) * MB,
    smallFraction: intEnv('COMPACT_SMALL_PERCENT', DEFAULT_COMPACTION.smallFraction * 100) / 100,
    partThreshold: threshold === 0 ? Number.MAX_SAFE_INTEGER : threshold,
  }
}
