import type { DataFile, IcebergSchema, PartitionSpec, PartitionValue } from './iceberg-model'
import { fieldNamed, INGEST_DATE_COLUMN, SchemaEvolutionError } from './iceberg-schema'

/** Partition field ids start here (the spec reserves ids from 1000 for partition fields). */
export const FIRST_PARTITION_FIELD_ID = 1000

/**
 * The partition spec of a sluice table: the day of ingest, then a contract's `partitionBy`.
 * Both are identity transforms of date/value columns the Parquet parts do not hold (they live
 * in the Hive path today): the spec resolves a column missing from a data file from an identity
 * partition's value in the manifest, so existing parts read unchanged. A `day` transform of the
 * ingest date would give the same partitions but leave the column null in such files.
 */
export function partitionSpec(schema: IcebergSchema, partitionBy: string[] = [], specId = 0): PartitionSpec {
  const names = [INGEST_DATE_COLUMN, ...partitionBy.filter((n) => n !== INGEST_DATE_COLUMN)]
  return {
    'spec-id': specId,
    fields: names.map((name, i) => ({ 'source-id': fieldNamed(schema, name).id, 'field-id': FIRST_PARTITION_FIELD_ID + i, name, transform: 'identity' })),
  }
}

/** The highest partition field id of a spec (999 for an unpartitioned one). */
export function lastPartitionId(spec: PartitionSpec): number {
  return Math.max(FIRST_PARTITION_FIELD_ID - 1, ...spec.fields.map((f) => f['field-id']))
}

const DAY_MS = 86_400_000

/**
 * A data file's partition tuple from its Hive partition values (`ingest_date=2024-07-01`,
 * `region=eu`): each typed as its source column (a date as days since 1970-01-01).
 */
export function partitionTuple(spec: PartitionSpec, schema: IcebergSchema, values: Record<string, string>): DataFile['partition'] {
  const tuple: DataFile['partition'] = {}
  for (const field of spec.fields) {
    const source = schema.fields.find((f) => f.id === field['source-id'])
    if (!source) throw new SchemaEvolutionError(`iceberg: partition field ${field.name} has no source column ${field['source-id']}`)
    const text = values[field.name]
    tuple[field.name] = text === undefined || text === '' ? null : typedValue(source.type, text, field.name)
  }
  return tuple
}

function typedValue(type: string, text: string, name: string): PartitionValue {
  switch (type) {
    case 'date': {
      const ms = Date.parse(`${text}T00:00:00Z`)
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(ms)) throw new SchemaEvolutionError(`iceberg: partition ${name}=${text} is not a date`)
      return Math.round(ms / DAY_MS)
    }
    case 'int':
    case 'long': {
      const n = Number(text)
      if (!Number.isSafeInteger(n)) throw new SchemaEvolutionError(`iceberg: partition ${name}=${text} is not an integer`)
      return n
    }
    case 'boolean':
      return text === 'true'
    default:
      return text
  }
}

/** The date a partition value of a date column stands for: `2024-07-01`. */
export function dateOfDays(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10)
}
