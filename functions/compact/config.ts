import { intEnv, requireEnv, tableFormatEnv } from '../adapters/env-config'
import { DEFAULT_COMPACTION, type CompactionSettings } from '../core/compaction/merge-plan'

const MB = 1024 * 1024

/** Read once at load: a missing variable fails the cold start, naming it. */
export const config = {
  curatedBucket: requireEnv('CURATED_BUCKET'),
  database: requireEnv('GLUE_DATABASE'),
  /** The lake's table format for new tables (sluice:tableFormat), unless a contract names its own. */
  tableFormat: tableFormatEnv(),
  /**
   * COMPACT_TARGET_MB (128), COMPACT_SMALL_PERCENT (25: a part below that share of the target is
   * small), COMPACT_PART_THRESHOLD (32 parts in a closed partition; 0 never) and
   * COMPACT_OPEN_THRESHOLD (1000 parts in the partition a run is loading into; 0 never).
   */
  compaction: compactionConfig(),
}

function compactionConfig(): CompactionSettings {
  const never = (n: number) => (n === 0 ? Number.MAX_SAFE_INTEGER : n)
  return {
    targetBytes: intEnv('COMPACT_TARGET_MB', DEFAULT_COMPACTION.targetBytes / MB) * MB,
    smallFraction: intEnv('COMPACT_SMALL_PERCENT', DEFAULT_COMPACTION.smallFraction * 100) / 100,
    partThreshold: never(intEnv('COMPACT_PART_THRESHOLD', DEFAULT_COMPACTION.partThreshold)),
    openThreshold: never(intEnv('COMPACT_OPEN_THRESHOLD', DEFAULT_COMPACTION.openThreshold)),
  }
}
