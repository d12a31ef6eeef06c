/**
 * fast-check (v4) arbitraries for property tests: random typed tables rendered
 * as CSV text.
 *
 * Guarantees (so the expected schema is deterministic for a sane inferrer):
 * - 1–8 columns, 0–30 rows; header names unique, /^[a-z][a-z0-9_]{0,11}$/.
 *   (They may collide with SQL keywords such as "as", "by", "select" — an
 *   engine must quote identifiers.)
 * - Every column with at least one row has at least one non-null "witness"
 *   value that pins its type:
 *     int       some |v| >= 2 (so a 0/1 column can't pass for boolean)
 *     bigint    some |v| > 2^53 (so it is neither int32 nor exactly a double)
 *     string    some value starting with "Q" (cannot parse as any other type)
 *   decimal/double/boolean/date/timestamp are unambiguous by their format.
 *   With 0 rows there is nothing to infer from; `types` is still the generated
 *   type but a reader can't be expected to find it.
 * - Nulls (~10%) are `null` in `rows` and empty fields in `toCsv`. Tables with a
 *   single column have NO nulls: a null there would render as an empty line,
 *   which CSV readers (DuckDB, csv-parse with skip_empty_lines) drop. No row is
 *   null in every column: it would render as delimiters only, which sluice skips.
 * - String values are never null-like: not empty, not whitespace-only, and
 *   their trimmed, lower-cased form is never one of NULL_LIKE. They never
 *   contain U+0000. They do contain delimiters, quotes, "\n", "\r\n", a lone
 *   "\r" occasionally, leading/trailing spaces and arbitrary unicode.
 *
 * Value text formats:
 *   int        "-2147483648" .. "2147483647"
 *   bigint     "-9223372036854775808" .. "9223372036854775807" (digit strings)
 *   decimal    fixed scale 1..6 per column, plain notation with exactly
 *              `scale` fraction digits, e.g. "-123.45", "0.05" (precision <= 18)
 *   double     JS shortest round-trip exponent form without "+", e.g. "1.5e3",
 *              "-2.5e-7", "0e0"; Number(text) gives the exact double back
 *   boolean    "true" / "false"
 *   date       "YYYY-MM-DD", 1900-01-01 .. 2100-12-31
 *   timestamp  "YYYY-MM-DDTHH:MM:SS.ffffffZ", same range, microseconds
 */
import fc from 'fast-check'

export type ColumnType = 'int' | 'bigint' | 'decimal' | 'double' | 'boolean' | 'date' | 'timestamp' | 'string'
export type Delimiter = ',' | ';' | '\t' | '|'
export type LineBreak = '\n' | '\r\n'

export interface RandomTable {
  header: string[]
  types: ColumnType[]
  rows: (string | null)[][]
  delimiter: Delimiter
  lineBreak: LineBreak
}

export const COLUMN_TYPES: readonly ColumnType[] = [
  'int',
  'bigint',
  'decimal',
  'double',
  'boolean',
  'date',
  'timestamp',
  'string',
]

/** Trimmed, lower-cased string values that some reader might take as null; never generated. */
export const NULL_LIKE: readonly string[] = ['', 'null', 'na', 'n/a', '\\n', 'nan', 'none', 'nil', '#n/a', '-']

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const TWO_53 = 2n ** 53n

const MS_PER_DAY = 86_400_000
const DAY_MIN = Date.UTC(1900, 0, 1) / MS_PER_DAY
const DAY_MAX = Date.UTC(2100, 11, 31) / MS_PER_DAY
const MICROS_PER_DAY = 86_400_000_000n

function pad(n: number | bigint, width: number): string {
  return n.toString().padStart(width, '0')
}

function formatDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10)
}

function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0')
  const body = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return negative ? `-${body}` : body
}

const headerName = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/)

const intValue = fc.integer({ min: INT32_MIN, max: INT32_MAX }).map(String)
const intWitness = fc
  .tuple(fc.integer({ min: 2, max: INT32_MAX }), fc.boolean())
  .map(([n, neg]) => String(neg ? -n : n))

const bigintValue = fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map(String)
const bigintWitness = fc.oneof(
  fc.bigInt({ min: TWO_53 + 1n, max: INT64_MAX }),
  fc.bigInt({ min: INT64_MIN, max: -TWO_53 - 1n }),
).map(String)

function decimalValue(scale: number, precision: number): fc.Arbitrary<string> {
  const bound = 10n ** BigInt(precision) - 1n
  return fc.bigInt({ min: -bound, max: bound }).map((v) => formatDecimal(v, scale))
}

const doubleValue = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .filter((d) => !Object.is(d, -0))
  .map((d) => d.toExponential().replace('e+', 'e'))

const booleanValue = fc.constantFrom('true', 'false')

const dateValue = fc.integer({ min: DAY_MIN, max: DAY_MAX }).map(formatDay)

const timestampValue = fc
  .bigInt({ min: BigInt(DAY_MIN) * MICROS_PER_DAY, max: BigInt(DAY_MAX + 1) * MICROS_PER_DAY - 1n })
  .map((micros) => {
    // floor division: pre-1970 values are negative
    let day = micros / MICROS_PER_DAY
    if (micros % MICROS_PER_DAY < 0n) day -= 1n
    const ofDay = micros - day * MICROS_PER_DAY
    const seconds = Number(ofDay / 1_000_000n)
    const frac = ofDay % 1_000_000n
    const hh = Math.floor(seconds / 3600)
    const mm = Math.floor((seconds % 3600) / 60)
    const ss = seconds % 60
    return `${formatDay(Number(day))}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${pad(frac, 6)}Z`
  })

/** A piece of a string value: arbitrary unicode or CSV-hostile characters. */
const stringPiece = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }) },
  { weight: 3, arbitrary: fc.constantFrom(',', ';', '\t', '|', '"', '""', '\n', '\r\n', ' ', '  ', "'", '\\') },
  { weight: 1, arbitrary: fc.constantFrom('\r', 'NULL', 'null', '1', '2.5', 'true', '2024-01-01', 'é', '😀', '\u00a0') },
)

function isNullLike(s: string): boolean {
  return NULL_LIKE.includes(s.trim().toLowerCase())
}

const stringValue = fc
  .array(stringPiece, { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join('').replace(/\u0000/g, ''))
  .filter((s) => !isNullLike(s))

const stringWitness = stringValue.map((s) => `Q${s}`)

function valueArbitraries(type: ColumnType): fc.Arbitrary<{ value: fc.Arbitrary<string>; witness: fc.Arbitrary<string> }> {
  switch (type) {
    case 'int':
      return fc.constant({ value: intValue, witness: intWitness })
    case 'bigint':
      return fc.constant({ value: bigintValue, witness: bigintWitness })
    case 'decimal':
      return fc
        .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 12 }))
        .map(([scale, intDigits]) => {
          const arb = decimalValue(scale, scale + intDigits)
          return { value: arb, witness: arb }
        })
    case 'double':
      return fc.constant({ value: doubleValue, witness: doubleValue })
    case 'boolean':
      return fc.constant({ value: booleanValue, witness: booleanValue })
    case 'date':
      return fc.constant({ value: dateValue, witness: dateValue })
    case 'timestamp':
      return fc.constant({ value: timestampValue, witness: timestampValue })
    case 'string':
      return fc.constant({ value: stringValue, witness: stringWitness })
  }
}

function column(type: ColumnType, rowCount: number, allowNulls: boolean): fc.Arbitrary<(string | null)[]> {
  if (rowCount === 0) return fc.constant([])
  return valueArbitraries(type).chain(({ value, witness }) =>
    fc
      .tuple(
        fc.array(allowNulls ? fc.option(value, { freq: 10, nil: null }) : value, {
          minLength: rowCount,
          maxLength: rowCount,
        }),
        witness,
        fc.nat(rowCount - 1),
      )
      .map(([values, w, at]) => {
        const out = [...values]
        out[at] = w
        return out
      }),
  )
}

export interface RandomTableOptions {
  /** default 8 */
  maxColumns?: number
  /** default 30 */
  maxRows?: number
}

/** Arbitrary typed table; see the module comment for the guarantees. */
export function randomTable(options: RandomTableOptions = {}): fc.Arbitrary<RandomTable> {
  const maxColumns = options.maxColumns ?? 8
  const maxRows = options.maxRows ?? 30
  return fc
    .record({
      header: fc.uniqueArray(headerName, { minLength: 1, maxLength: maxColumns }),
      rowCount: fc.integer({ min: 0, max: maxRows }),
      delimiter: fc.constantFrom<Delimiter>(',', ';', '\t', '|'),
      lineBreak: fc.constantFrom<LineBreak>('\n', '\r\n'),
    })
    .chain(({ header, rowCount, delimiter, lineBreak }) =>
      fc
        .array(fc.constantFrom(...COLUMN_TYPES), { minLength: header.length, maxLength: header.length })
        .chain((types) =>
          fc.tuple(...types.map((t) => column(t, rowCount, header.length > 1))).map((columns) => {
            const rows: (string | null)[][] = []
            for (let r = 0; r < rowCount; r++) {
              const row = columns.map((col) => col[r] ?? null)
              // A row of nulls renders as delimiters only, which sluice skips like a blank line.
              if (row.some((v) => v !== null)) rows.push(row)
            }
            return { header, types, rows, delimiter, lineBreak }
          }),
        ),
    )
}

/** Quote a CSV field when it contains the delimiter, a quote, CR, LF, or leading/trailing spaces. */
export function csvField(value: string | null, delimiter: Delimiter): string {
  if (value === null) return ''
  const needsQuotes =
    value.includes(delimiter) ||
    value.includes('"') ||
    value.includes('\r') ||
    value.includes('\n') ||
    /^\s|\s$/.test(value)
  return needsQuotes ? `"${value.replace(/"/g, '""')}"` : value
}

/** Render header + rows, each line terminated by `lineBreak` (including the last). */
export function toCsv(table: RandomTable): string {
  const line = (cells: (string | null)[]) => cells.map((c) => csvField(c, table.delimiter)).join(table.delimiter)
  return [table.header, ...table.rows].map((r) => line(r) + table.lineBreak).join('')
}
