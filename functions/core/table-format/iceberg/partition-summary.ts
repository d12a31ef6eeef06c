import type { DataFile, FieldSummary, IcebergSchema, PartitionSpec, PartitionValue } from './iceberg-model'

/**
 * The manifest list's summary of each partition field over these files: whether a value is
 * null, and the lower and upper bounds in Iceberg's single-value binary form, so engines skip
 * manifests by partition without opening them.
 */
export function partitionSummaries(spec: PartitionSpec, schema: IcebergSchema, files: DataFile[]): FieldSummary[] {
  return spec.fields.map((field) => {
    const type = schema.fields.find((f) => f.id === field['source-id'])?.type ?? 'string'
    const values = files.map((f) => f.partition[field.name] ?? null)
    const present = values.filter((v): v is Exclude<PartitionValue, null> => v !== null)
    const summary: FieldSummary = { containsNull: present.length < values.length }
    if (present.length === 0) return summary
    const sorted = [...present].sort(compare)
    return { ...summary, lowerBound: singleValue(type, sorted[0]), upperBound: singleValue(type, sorted[sorted.length - 1]) }
  })
}

/** Iceberg orders strings by their UTF-8 bytes. */
function compare(a: Exclude<PartitionValue, null>, b: Exclude<PartitionValue, null>): number {
  if (typeof a !== 'string' || typeof b !== 'string') return Number(a) - Number(b)
  const x = UTF8.encode(a)
  const y = UTF8.encode(b)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i]
  return x.length - y.length
}

const UTF8 = new TextEncoder()

/** Iceberg's single-value serialization: little-endian ints and longs, UTF-8 strings. */
export function singleValue(type: string, value: Exclude<PartitionValue, null>): Uint8Array {
  const view = (size: number) => new DataView(new ArrayBuffer(size))
  switch (type) {
    case 'int':
    case 'date': {
      const v = view(4)
      v.setInt32(0, Number(value), true)
      return new Uint8Array(v.buffer)
    }
    case 'long': {
      const v = view(8)
      v.setBigInt64(0, BigInt(value), true)
      return new Uint8Array(v.buffer)
    }
    case 'boolean':
      return Uint8Array.of(value ? 1 : 0)
    default:
      return UTF8.encode(String(value))
  }
}
