/** Athena column types that sluice writes. */
export type AthenaType =
  | { kind: 'boolean' }
  | { kind: 'int' }
  | { kind: 'bigint' }
  | { kind: 'double' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'date' }
  | { kind: 'timestamp' }
  | { kind: 'string' }

/** Largest precision Athena's decimal accepts. */
export const MAX_DECIMAL_PRECISION = 38

/** The Athena DDL spelling of a type, as Glue stores it: `decimal(12,2)`, `bigint`, … */
export function athenaTypeName(type: AthenaType): string {
  return type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind
}

/**
 * Parses a type name as written in a contract: `boolean`, `int` (or `integer`), `bigint`,
 * `double`, `decimal(p,s)`, `date`, `timestamp`, `string` (or `varchar`). Returns undefined
 * for anything else so the caller can word the error.
 */
export function parseAthenaType(name: string): AthenaType | undefined {
  const text = name.trim().toLowerCase()
  const decimal = /^decimal\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(text)
  if (decimal) {
    const precision = Number(decimal[1])
    const scale = Number(decimal[2] ?? 0)
    if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale > precision) return undefined
    return { kind: 'decimal', precision, scale }
  }
  switch (text) {
    case 'boolean':
    case 'bigint':
    case 'double':
    case 'date':
    case 'timestamp':
    case 'string':
      return { kind: text }
    case 'int':
    case 'integer':
      return { kind: 'int' }
    case 'varchar':
      return { kind: 'string' }
    default:
      return undefined
  }
}
