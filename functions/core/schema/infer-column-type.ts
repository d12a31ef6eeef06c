import { MAX_DECIMAL_PRECISION, type AthenaType } from './athena-types'
import { inferredDecimal, widenType } from './type-widening'
import { ISO_DATE, ISO_TIMESTAMP } from './temporal-format'
import { canonicalNumber, isPlainFormat, type NumberFormat } from './number-format'
import { classifySlashDate, type DateOrder, type OrderEvidence } from './slash-dates'

/**
 * Type inference for columns without a declared type.
 *
 * A column's type only ever widens, along
 *   int → bigint → decimal(p,s) → double,  date → timestamp,  anything else → string,
 * so the type after every value is the narrowest type that holds all values seen exactly (from a
 * table's type that does not hold them, the widening of it, which is wide: type-widening.ts).
 * Integers infer as bigint, never int; an inferred decimal takes the scale steps and the
 * precisions of `inferredDecimal` (schema/type-widening.ts), so a table's later files keep its
 * type as their numbers vary. Text that a narrower type would alter stays a string: integers
 * with leading zeros (`007`, zip codes), numbers with a leading `+` (`+318855443322`, phone
 * numbers), decimals needing more than 38 digits, timestamps finer than µs. Plain decimals
 * (`12.50`, `.097`, `5.`) become decimal, never double: only exponent notation, `NaN` and `Inf`
 * make a double, and only while every exact number seen has at most 15 significant digits (a
 * double holds those exactly). Past that the column keeps its exact type, and the values in
 * double notation cannot join it (`lossy`): they go to the column's `__string` variant.
 *
 * Numbers are read in the file's number format (number-format.ts): `1.234,56` is the decimal
 * 1234.56 in the European one, and text in it (a `.` where it allows none) is a string.
 * Dates and timestamps are ISO 8601 or slash dates (slash-dates.ts), mixed freely in a column;
 * a column with slash dates is a date or a timestamp only while its values tell one order of
 * month and day (some value has a day above 12, in one place only): else it is a string.
 */

type Kind = AthenaType['kind']

/** One cell's classification: its narrowest kind, and digits for numbers. */
export interface ValueClass {
  kind: Kind
  whole: number
  scale: number
  /** Significant digits of an exact number (leading and trailing zeros left out). */
  digits: number
  /** An integer an int (32 bits) holds. */
  small: boolean
  /** A slash date: what it says about the order of month and day. */
  order?: OrderEvidence
}

const INT_RE = /^-?(?:0|[1-9]\d*)$/
const DECIMAL_RE = /^-?(?:(0|[1-9]\d*)\.(\d*)|\.(\d+))$/
const DOUBLE_RE = /^-?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+$|^-?(?:nan|inf|infinity)$/i
const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)
/** Significant digits every double holds exactly (DBL_DIG). */
export const DOUBLE_EXACT_DIGITS = 15

const STRING: ValueClass = { kind: 'string', whole: 0, scale: 0, digits: 0, small: false }
const other = (kind: Kind): ValueClass => ({ kind, whole: 0, scale: 0, digits: 0, small: false })

/** Digits between the first and the last non-zero digit of a digit string. */
function significant(digits: string): number {
  let a = 0
  let b = digits.length
  while (a < b && digits.charCodeAt(a) === 48) a += 1
  while (b > a && digits.charCodeAt(b - 1) === 48) b -= 1
  return b - a
}

/**
 * Classifies one non-null, already-trimmed cell text, its numbers read in `numbers` (absent:
 * a `.` point and no grouping).
 */
export function classifyValue(text: string, numbers?: NumberFormat): ValueClass {
  if (numbers && !isPlainFormat(numbers)) {
    // `31.01.2024` is a date, not a number in a format with `.` groups.
    const c = text.charCodeAt(1) === 46 || text.charCodeAt(2) === 46 ? classifySlashDate(text) : undefined
    if (c) return { ...other(c.kind), order: c.order }
    const canonical = canonicalNumber(text, numbers)
    if (canonical === undefined) return STRING
    text = canonical
  }
  // A leading `+` is text, as a leading zero is: a number would drop it (phone numbers).
  if (text.charCodeAt(0) === 43) return STRING
  if (INT_RE.test(text)) {
    const digits = text.charCodeAt(0) === 45 ? text.slice(1) : text
    const whole = digits.length
    // Up to 15 digits a double is exact, and the BigInt below is not needed.
    if (whole <= 15) {
      const n = Number(text)
      return { kind: 'bigint', whole, scale: 0, digits: significant(digits), small: n >= -2147483648 && n <= 2147483647 }
    }
    if (whole <= 19) {
      const n = BigInt(text)
      if (n >= INT64_MIN && n <= INT64_MAX) return { kind: 'bigint', whole, scale: 0, digits: significant(digits), small: n >= -2147483648n && n <= 2147483647n }
    }
    return { kind: 'decimal', whole, scale: 0, digits: significant(digits), small: false }
  }
  const decimal = DECIMAL_RE.exec(text)
  if (decimal) {
    const int = decimal[1] ?? ''
    const fraction = decimal[2] ?? decimal[3]
    return { kind: 'decimal', whole: int === '0' ? 0 : int.length, scale: fraction.length, digits: significant(int + fraction), small: false }
  }
  if (DOUBLE_RE.test(text)) return other('double')
  const lower = text.length <= 5 ? text.toLowerCase() : ''
  if (lower === 'true' || lower === 'false') return other('boolean')
  const c = text.charCodeAt(0)
  if (c >= 48 && c <= 57) {
    if (text.length === 10 && ISO_DATE.parseDays(text) !== undefined) return other('date')
    if (ISO_TIMESTAMP.parseMicros(text) !== undefined) return other('timestamp')
    const slash = classifySlashDate(text)
    if (slash) return { ...other(slash.kind), order: slash.order }
  }
  return STRING
}

type Exact = 'int' | 'bigint' | 'decimal'

const isNumber = (kind: Kind) => kind === 'int' || kind === 'bigint' || kind === 'decimal' || kind === 'double'

/** Accumulates the narrowest type that holds every value of one column. */
export class ColumnTypeAccumulator {
  /** `number` for the numeric family, whose type `exact` and `double` decide. */
  private kind: Kind | 'number' | null = null
  private exact: Exact | undefined
  private double = false
  private whole = 0
  private scale = 0
  private digits = 0
  /** Whole and fraction digits of the values alone, without the start type's. */
  private valueWhole = 0
  private valueScale = 0
  /** Slash dates seen, and values that showed month first or day first. */
  private slash = false
  private monthFirst = false
  private dayFirst = false

  /**
   * Starts from a type (the table's): the type stays exactly `start` while every value fits
   * it. An exact start counts as holding as many digits as the type can, so values in double
   * notation never join it. `order`: what the start's slash dates told, when it has any.
   */
  constructor(private readonly start?: AthenaType, order?: OrderEvidence) {
    if (order) {
      this.slash = true
      this.monthFirst = order === 'md'
      this.dayFirst = order === 'dm'
    }
    if (!start) return
    switch (start.kind) {
      case 'int':
      case 'bigint':
        this.kind = 'number'
        this.exact = start.kind
        this.whole = start.kind === 'int' ? 10 : 19
        this.digits = this.whole
        break
      case 'decimal':
        this.kind = 'number'
        this.exact = 'decimal'
        this.whole = start.precision - start.scale
        this.scale = start.scale
        this.digits = start.precision
        break
      case 'double':
        this.kind = 'number'
        this.double = true
        break
      default:
        this.kind = start.kind
    }
  }

  /** No value can change the type any more: it is string. */
  get settled(): boolean {
    return this.kind === 'string'
  }

  /** Adds one classified value. */
  add(value: ValueClass): void {
    const current = this.kind
    if (current === 'string') return
    if (!isNumber(value.kind)) {
      if (value.order) {
        this.slash = true
        if (value.order === 'md') this.monthFirst = true
        else if (value.order === 'dm') this.dayFirst = true
      }
      if (current === null) this.kind = value.kind
      else if (current !== value.kind) this.kind = (current === 'date' && value.kind === 'timestamp') || (current === 'timestamp' && value.kind === 'date') ? 'timestamp' : 'string'
      return
    }
    if (current === null) this.kind = 'number'
    else if (current !== 'number') {
      this.kind = 'string'
      return
    }
    if (value.kind === 'double') {
      this.double = true
      return
    }
    this.exact = joinExact(this.exact, value)
    if (value.whole > this.whole) this.whole = value.whole
    if (value.scale > this.scale) this.scale = value.scale
    if (value.whole > this.valueWhole) this.valueWhole = value.whole
    if (value.scale > this.valueScale) this.valueScale = value.scale
    if (value.digits > this.digits) this.digits = value.digits
    if (this.exact === 'decimal' && this.whole + this.scale > MAX_DECIMAL_PRECISION) this.kind = 'string'
  }

  /** A copy, to try a value on. */
  clone(): ColumnTypeAccumulator {
    return Object.assign(Object.create(ColumnTypeAccumulator.prototype) as ColumnTypeAccumulator, this)
  }

  /** Values in double notation next to exact numbers a double cannot hold: they cannot join. */
  get lossy(): boolean {
    return this.kind === 'number' && this.double && this.exact !== undefined && this.digits > DOUBLE_EXACT_DIGITS
  }

  /** The order of the column's slash dates, when it has any and they tell one. */
  get order(): DateOrder | undefined {
    return this.slash && this.monthFirst !== this.dayFirst ? (this.monthFirst ? 'md' : 'dm') : undefined
  }

  /** Dates and slash dates that tell no order yet: a string, until a value tells it. */
  get undecided(): boolean {
    return (this.kind === 'date' || this.kind === 'timestamp') && this.slash && !this.monthFirst && !this.dayFirst
  }

  /** The type so far; a column of nulls only is a string. */
  get type(): AthenaType {
    if (this.kind === null) return { kind: 'string' }
    if ((this.kind === 'date' || this.kind === 'timestamp') && this.slash && this.order === undefined) return { kind: 'string' }
    if (this.kind !== 'number') return { kind: this.kind } as AthenaType
    if (this.double && (this.exact === undefined || this.digits <= DOUBLE_EXACT_DIGITS)) return { kind: 'double' }
    if (this.exact !== 'decimal') return { kind: this.exact! }
    const start = this.start
    if (start?.kind === 'decimal' && this.whole <= start.precision - start.scale && this.scale <= start.scale) return start
    // Values wider than the table's exact type: the table widens to hold both (type-widening.ts).
    const own = inferredDecimal(this.valueWhole, this.valueScale)
    if (own && (start?.kind === 'int' || start?.kind === 'bigint' || start?.kind === 'decimal')) return widenType(start, own) ?? { kind: 'string' }
    return inferredDecimal(this.whole, this.scale) ?? { kind: 'string' }
  }
}

function joinExact(current: Exact | undefined, value: ValueClass): Exact {
  if (value.kind === 'decimal' || current === 'decimal') return 'decimal'
  if (current === 'int' && value.small) return 'int'
  return 'bigint'
}
