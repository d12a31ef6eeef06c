import type { SchemaElement } from 'hyparquet'
import type { AthenaType } from '../schema/athena-types'

/** Parquet compression codec for written parts. */
export type Codec = 'snappy' | 'gzip' | 'none'

/** A column as the Parquet writer sees it. */
export interface ParquetColumn {
  name: string
  type: AthenaType
  nullable: boolean
}

/**
 * Parquet schema element for an Athena type, using only encodings that Athena (Hive and
 * Trino readers), Trino and DuckDB all read: INT64 timestamps in µs adjusted to UTC (never
 * INT96), INT32 DATE, DECIMAL on INT32/INT64/FIXED_LEN_BYTE_ARRAY by precision as the
 * Parquet spec lays out, UTF8 strings.
 */
export function schemaElement(column: ParquetColumn): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED'
  const { name, type } = column
  switch (type.kind) {
    case 'boolean':
      return { name, repetition_type, type: 'BOOLEAN' }
    case 'int':
      return { name, repetition_type, type: 'INT32' }
    case 'bigint':
      return { name, repetition_type, type: 'INT64' }
    case 'double':
      return { name, repetition_type, type: 'DOUBLE' }
    case 'decimal': {
      const { precision, scale } = type
      const decimal = { converted_type: 'DECIMAL', precision, scale, logical_type: { type: 'DECIMAL', precision, scale } } as const
      if (precision <= 9) return { name, repetition_type, type: 'INT32', ...decimal }
      if (precision <= 18) return { name, repetition_type, type: 'INT64', ...decimal }
      return { name, repetition_type, type: 'FIXED_LEN_BYTE_ARRAY', type_length: decimalBytes(precision), ...decimal }
    }
    case 'date':
      return { name, repetition_type, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } }
    case 'timestamp':
      return {
        name, repetition_type, type: 'INT64', converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      }
    case 'string':
      return { name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } }
  }
}

/** Smallest two's-complement byte width that holds every unscaled value of this precision. */
export function decimalBytes(precision: number): number {
  const max = 10n ** BigInt(precision)
  let bytes = 1
  while (2n ** BigInt(8 * bytes - 1) < max) bytes += 1
  return bytes
}

/** The writer's codec name. */
export function parquetCodec(codec: Codec): 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED' {
  return codec === 'snappy' ? 'SNAPPY' : codec === 'gzip' ? 'GZIP' : 'UNCOMPRESSED'
}
