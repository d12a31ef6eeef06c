import { intEnv, requireEnv, tableFormatEnv } from '../adapters/env-config'
import { DEFAULT_GZIP_LIMITS } from '../core/csv/decode-input'

/** Read once at load: a missing variable fails the cold start, naming it. */
export const config = {
  rawBucket: requireEnv('RAW_BUCKET'),
  curatedBucket: requireEnv('CURATED_BUCKET'),
  /** The lake's table format for new tables (sluice:tableFormat), unless a contract names its own. */
  tableFormat: tableFormatEnv(),
  /**
   * Worker threads per uncompressed file; 0 (default) picks min(vCPUs, size ÷ 50 MB). 1 keeps
   * the transform in one thread.
   */
  workers: intEnv('TRANSFORM_WORKERS', 0),
  /** The function's memory size, set by Lambda: row groups are sized to fit it. */
  memoryBudgetMb: intEnv('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 0) || undefined,
  /** A gzip file decompressing beyond either bound fails with DecompressionLimitError. */
  gzipLimits: {
    maxBytes: intEnv('GZIP_MAX_BYTES', DEFAULT_GZIP_LIMITS.maxBytes),
    maxRatio: intEnv('GZIP_MAX_RATIO', DEFAULT_GZIP_LIMITS.maxRatio),
  },
}
