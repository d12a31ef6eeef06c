import type { SchemaElement } from 'hyparquet'
import type { AthenaType } from './athena-types'
import type { CellValue } from './value-codecs'

/** Microseconds in a day: a date widened to a timestamp is midnight UTC of that day. */
const MICROS_PER_DAY = 86_400_000_000n

/**
 * The Athena type a Parquet leaf was written with, as sluice writes them (parquet-schema.ts);
 * undefined for an encoding sluice never writes.
 */
export function writtenType(e: SchemaElement): AthenaType | undefined {
  if (e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL') return { kind: 'decimal', precision: e.precision ?? 0, scale: e.scale ?? 0 }
  switch (e.type) {
    case 'BOOLEAN':
      return { kind: 'boolean' }
    case 'INT32':
      return e.converted_type === 'DATE' || e.logical_type?.type === 'DATE' ? { kind: 'date' } : { kind: 'int' }
    case 'INT64':
      return e.logical_type?.type === 'TIMESTAMP' || e.converted_type === 'TIMESTAMP_MICROS' ? { kind: 'timestamp' } : { kind: 'bigint' }
    case 'DOUBLE':
      return { kind: 'double' }
    case 'BYTE_ARRAY':
      return { kind: 'string' }
    default:
      return undefined
  }
}

/** A decimal stored as big-endian two's complement bytes, as its unscaled value. */
export function unscaledOfBytes(bytes: Uint8Array): bigint {
  let value = 0n
  for (const b of bytes) value = (value << 8n) | BigInt(b)
  return bytes.length > 0 && bytes[0] & 0x80 ? value - (1n << BigInt(8 * bytes.length)) : value
}

/**
 * One value, as read raw from a part written with type `from` (an integer; a decimal's unscaled
 * value as a number, bigint or bytes; a date's days; a timestamp's µs), in the form the part
 * writer takes for type `to`. Exact in every widening of type-widening.ts: an integer becomes
 * a decimal by scaling it up, a decimal gains scale by powers of ten on its unscaled value, a
 * date becomes midnight UTC of its day. Any other pair is a programming error.
 */
export function castValue(value: unknown, from: AthenaType, to: AthenaType): CellValue | null {
  if (value === null || value === undefined) return null
  if (from.kind === to.kind && from.kind !== 'decimal') return value as CellValue
  if (to.kind === 'bigint' && (from.kind === 'int' || from.kind === 'bigint')) return value as number | bigint
  if (to.kind === 'timestamp' && from.kind === 'date') return BigInt(value as number) * MICROS_PER_DAY
  if (to.kind === 'decimal') {
    const unscaled = value instanceof Uint8Array ? unscaledOfBytes(value) : BigInt(value as number | bigint)
    const scale = from.kind === 'decimal' ? from.scale : from.kind === 'int' || from.kind === 'bigint' ? 0 : undefined
    if (scale === undefined || scale > to.scale) throw new Error(`widen: cannot cast ${from.kind} to decimal(${to.precision},${to.scale})`)
    return unscaled * 10n ** BigInt(to.scale - scale)
  }
  throw new Error(`widen: cannot cast ${from.kind} to ${to.kind}`)
}
