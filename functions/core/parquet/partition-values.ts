import { formatIsoDate } from '../schema/temporal-format'
import type { AthenaType } from '../schema/athena-types'
import type { CellValue } from '../schema/value-codecs'

/** Hive's name for the partition of null values. */
export const NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__'
/** Distinct partition values one file may have: each holds a row group in memory. */
export const MAX_PARTITIONS_PER_FILE = 200

/** Partition path text of a value: ISO dates, plain numbers, the Hive default for null. */
export function partitionText(value: CellValue | null, type: AthenaType): string {
  if (value === null) return NULL_PARTITION
  if (type.kind === 'date') return formatIsoDate(value as number)
  return String(value)
}
