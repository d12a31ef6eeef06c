import { MAX_DECIMAL_PRECISION } from './athena-types'
import { ISO_DATE, ISO_TIMESTAMP } from './temporal-format'
import type { AthenaType } from './transform-types'

/**
 * Type inference for columns without a declared type.
 *
 * A column's type only ever widens, along
 *   bigint → decimal(p,s) → double,  date → timestamp,  anything else → string,
 * so the type after every value is the narrowest type that holds all values seen exactly.
 * Integers infer as bigint, never int, and decimal precision rounds up to 18 or 38 (the
 * scale stays exact): a table's later files then keep its type as their numbers grow.
 * Text that a narrower type would alter stays a string: integers with leading zeros
 * (`007`, zip codes), decimals needing more than 38 digits, timestamps finer than µs.
 * Plain decimals (`12.50`) become decimal, never double: only exponent notation,
 * `NaN` and `Inf` make a double.
 */

type Kind = AthenaType['kind']

/** One cell's classification: its narrowest kind, and digits for numbers. */
export interface ValueClass {
  kind: Kind
  whole: number
  scale: number
}

const INT_RE = /^[+-]?(?:0|[1-9]\d*)$/
const DECIMAL_RE = /^[+-]?(0|[1-9]\d*)\.(\d+)$/
const DOUBLE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+$|^[+-]?(?:nan|inf|infinity)$/i
const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)

/** Classifies one non-null, already-trimmed cell text. */
export function classifyValue(text: string): ValueClass {
  if (INT_RE.test(text)) {
    const whole = text.charCodeAt(0) === 43 || text.charCodeAt(0) === 45 ? text.length - 1 : text.length
    if (whole <= 19) {
      const n = BigInt(text)
      if (n >= INT64_MIN && n <= INT64_MAX) return { kind: 'bigint', whole, scale: 0 }
    }
    return { kind: 'decimal', whole, scale: 0 }
  }
  const decimal = DECIMAL_RE.exec(text)
  if (decimal) return { kind: 'decimal', whole: decimal[1] === '0' ? 0 : decimal[1].length, scale: decimal[2].length }
  if (DOUBLE_RE.test(text)) return { kind: 'double', whole: 0, scale: 0 }
  const lower = text.length <= 5 ? text.toLowerCase() : ''
  if (lower === 'true' || lower === 'false') return { kind: 'boolean', whole: 0, scale: 0 }
  const c = text.charCodeAt(0)
  if (c >= 48 && c <= 57) {
    if (text.length === 10 && ISO_DATE.parseDays(text) !== undefined) return { kind: 'date', whole: 0, scale: 0 }
    if (ISO_TIMESTAMP.parseMicros(text) !== undefined) return { kind: 'timestamp', whole: 0, scale: 0 }
  }
  return { kind: 'string', whole: 0, scale: 0 }
}

const NUMERIC_RANK: Partial<Record<Kind, number>> = { int: 0, bigint: 1, decimal: 2, double: 3 }

/** Accumulates the narrowest type that holds every value of one column. */
export class ColumnTypeAccumulator {
  private kind: Kind | null = null
  private whole = 0
  private scale = 0

  constructor(start?: AthenaType) {
    if (start) {
      this.kind = start.kind
      if (start.kind === 'decimal') {
        this.whole = start.precision - start.scale
        this.scale = start.scale
      }
    }
  }

  /** Adds one classified value. */
  add(value: ValueClass): void {
    const current = this.kind
    if (current === 'string') return
    if (current === null) {
      this.kind = value.kind
    } else if (current !== value.kind || current === 'decimal') {
      this.kind = join(current, value.kind)
    }
    if (this.kind === 'decimal' || NUMERIC_RANK[this.kind!] !== undefined) {
      if (value.whole > this.whole) this.whole = value.whole
      if (value.scale > this.scale) this.scale = value.scale
    }
    if (this.kind === 'decimal' && this.whole + this.scale > MAX_DECIMAL_PRECISION) this.kind = 'string'
  }

  /** The type so far; a column of nulls only is a string. */
  get type(): AthenaType {
    switch (this.kind) {
      case null:
        return { kind: 'string' }
      case 'decimal':
        return { kind: 'decimal', precision: this.whole + this.scale <= 18 ? 18 : MAX_DECIMAL_PRECISION, scale: this.scale }
      default:
        return { kind: this.kind }
    }
  }
}

/**
 * Whether a non-null, trimmed cell text keeps `type` unchanged under the inference rules:
 * the test every value after the sample must pass, so that the whole file is inferred as if
 * it had all been sampled (`007` in a bigint column, `.5` in a decimal one, do not fit).
 */
export function fitsInferredType(type: AthenaType, text: string): boolean {
  if (type.kind === 'string') return true
  const acc = new ColumnTypeAccumulator(type)
  acc.add(classifyValue(text))
  const widened = acc.type
  if (widened.kind !== type.kind) return false
  return widened.kind !== 'decimal' || type.kind !== 'decimal' || (widened.precision === type.precision && widened.scale === type.scale)
}

function join(a: Kind, b: Kind): Kind {
  if (a === b) return a
  const ra = NUMERIC_RANK[a]
  const rb = NUMERIC_RANK[b]
  if (ra !== undefined && rb !== undefined) {
    // bigint next to a decimal: the decimal must hold the bigint's digits, tracked in `whole`.
    return ra >= rb ? a : b
  }
  if ((a === 'date' && b === 'timestamp') || (a === 'timestamp' && b === 'date')) return 'timestamp'
  return 'string'
}
