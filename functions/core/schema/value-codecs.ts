import { ISO_DATE, ISO_TIMESTAMP, type TemporalParser } from './temporal-format'
import type { AthenaType } from './athena-types'
import { canonicalNumber, isPlainFormat, type NumberFormat } from './number-format'

/** Returned by a parser when the text is not a value of its type. */
export const INVALID: unique symbol = Symbol('invalid')

/**
 * One cell's value. 64-bit values (bigint, decimal unscaled, timestamp µs) are numbers while
 * exact and bigints beyond: a row group holds many of them, and numbers cost the collector
 * far less. The Parquet writer turns them into bigints when it encodes the group.
 */
export type CellValue = boolean | number | bigint | string

/** Parses non-null cell text into a Parquet-ready value, or INVALID. */
export type ValueParser = (text: string) => CellValue | typeof INVALID

const INT_RE = /^[+-]?\d+$/
const DOUBLE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const SPECIAL_DOUBLES: Record<string, number> = {
  nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity,
  infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity,
}
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** Whitespace is trimmed around every value except strings. */
const trim = (text: string) => {
  const first = text.charCodeAt(0)
  const last = text.charCodeAt(text.length - 1)
  return first <= 32 || last <= 32 ? text.trim() : text
}

export function parseBoolean(text: string): boolean | typeof INVALID {
  switch (trim(text).toLowerCase()) {
    case 'true':
      return true
    case 'false':
      return false
    default:
      return INVALID
  }
}

export function parseInt32(text: string): number | typeof INVALID {
  const t = trim(text)
  if (!INT_RE.test(t)) return INVALID
  const n = Number(t)
  return n >= -2147483648 && n <= 2147483647 ? n : INVALID
}

export function parseInt64(text: string): number | bigint | typeof INVALID {
  const t = trim(text)
  if (!INT_RE.test(t)) return INVALID
  // Up to 15 digits a double is exact.
  if (t.length <= 15) return +t
  const n = BigInt(t)
  return n >= INT64_MIN && n <= INT64_MAX ? n : INVALID
}

export function parseDouble(text: string): number | typeof INVALID {
  const t = trim(text)
  if (DOUBLE_RE.test(t)) return Number(t)
  const special = SPECIAL_DOUBLES[t.toLowerCase()]
  return special === undefined ? INVALID : special
}

/**
 * Parses an exact decimal into its unscaled bigint for decimal(precision, scale).
 * Extra fraction digits are accepted only when they are zeros: rounding would alter data.
 */
export function parseDecimal(text: string, precision: number, scale: number): number | bigint | typeof INVALID {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(trim(text))
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return INVALID
  const whole = m[2].replace(/^0+/, '')
  let fraction = m[3] ?? ''
  if (fraction.length > scale) {
    if (!/^0*$/.test(fraction.slice(scale))) return INVALID
    fraction = fraction.slice(0, scale)
  }
  if (whole.length > precision - scale) return INVALID
  const digits = m[1] + (whole || '0') + fraction.padEnd(scale, '0')
  return digits.length <= 15 ? +digits : BigInt(digits)
}

export function parseDate(text: string, format: TemporalParser = ISO_DATE): number | typeof INVALID {
  return format.parseDays(trim(text)) ?? INVALID
}

export function parseTimestamp(text: string, format: TemporalParser = ISO_TIMESTAMP): number | bigint | typeof INVALID {
  return format.parseMicros(trim(text)) ?? INVALID
}

/**
 * Builds the parser for one column's type (and optional date/timestamp format). A number
 * format other than the plain one reads numbers through their canonical text: a text that is
 * not a number in it is INVALID, never read another way.
 */
export function valueParser(type: AthenaType, format?: TemporalParser, numbers?: NumberFormat): ValueParser {
  const parse = plainParser(type, format)
  if (isPlainFormat(numbers) || !(type.kind === 'int' || type.kind === 'bigint' || type.kind === 'decimal' || type.kind === 'double')) return parse
  return (text) => {
    const canonical = canonicalNumber(trim(text), numbers!)
    return canonical === undefined ? INVALID : parse(canonical)
  }
}

function plainParser(type: AthenaType, format?: TemporalParser): ValueParser {
  switch (type.kind) {
    case 'boolean':
      return parseBoolean
    case 'int':
      return parseInt32
    case 'bigint':
      return parseInt64
    case 'double':
      return parseDouble
    case 'decimal':
      return (text) => parseDecimal(text, type.precision, type.scale)
    case 'date':
      return (text) => parseDate(text, format)
    case 'timestamp':
      return (text) => parseTimestamp(text, format)
    case 'string':
      return (text) => text
  }
}
