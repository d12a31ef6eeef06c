import { athenaTypeName, type AthenaType } from '../schema/athena-types'
import type { ColumnPlan } from '../schema/column-plan'
import type { CsvEvent } from '../csv/read-csv-records'
import type { RecordBatch } from '../csv/scan-records'
import { endsWithEmptyField } from '../csv/sniff-dialect'
import { declaredParser } from '../schema/contract-on-table'
import { routeValue, type ColumnTyping } from '../schema/value-routing'
import type { NullTokens } from '../schema/null-tokens'
import { BooleanColumn, BytesColumn, DoubleColumn, Int32Column, Int64Column, type ColumnBuilder, columnBuilder } from './column-builders'
import { recordText, type Reject } from '../csv/reject'
import { isoDateDays, isoInstantMicros, isoTimestampMicros } from '../schema/temporal-bytes'
import { ISO_TIMESTAMP } from '../schema/temporal-format'
import { lineBreaks } from '../csv/read-csv-records'
import { inferredParser, retyped, variantIndexes, WidenNeeded } from '../schema/row-coercer'
import { describeNumberFormat, isPlainFormat } from '../schema/number-format'
import { countVariant, type FileTyping, type VariantCount } from '../schema/file-typing'
import { INVALID, valueParser, type CellValue, type ValueParser } from '../schema/value-codecs'

/** How a column's cells are read: straight from bytes for the common types, else as text. */
const enum Path {
  String,
  Bigint,
  Decimal,
  Boolean,
  Date,
  Timestamp,
  Double,
  Text,
}

/**
 * Coerces records from bytes into typed-array column builders, with exactly the rules of
 * RowCoercer (the reference, on strings): strings are kept byte for byte, other types are
 * trimmed, null tokens and empty cells are null, a declared column rejects a value it cannot
 * take and an inferred column routes each value (routeValue) to itself, to its `__string`
 * variant, or asks for a restart (WidenNeeded). The builders follow the planned columns, then
 * the variants. Byte fast paths cover strings, bigint, decimal up to 15 digits and boolean
 * for values that stay in their column; every other cell, and any cell with non-ASCII bytes
 * or doubled quotes, goes through the reference parsers on its text.
 */
export class RecordCoercer {
  readonly builders: ColumnBuilder[]
  private readonly paths: Path[]
  private readonly parsers: ValueParser[]
  private readonly fields: number[]
  private readonly nullable: boolean[]
  private readonly declared: boolean[]
  private readonly scale: number[]
  private readonly maxWhole: number[]
  private readonly types: AthenaType[]
  private readonly typings: ColumnTyping[]
  private readonly variantAt: number[]
  /** Per planned column, the values sent to its variant, and the first line. */
  readonly variantCounts: (VariantCount | undefined)[]
  private readonly tokens: Buffer[]
  private readonly longest: number
  /** 1 for a byte some null token starts with: most cells are told apart by it alone. */
  private readonly tokenStart: Uint8Array
  /** A null token holds a quote: unescaped text must then be compared with it. */
  private readonly tokenQuote: boolean
  /** Every column read from the file has a byte fast path: records may go column by column. */
  private readonly columnRuns: boolean

  constructor(
    private readonly plan: ColumnPlan,
    private readonly typing: FileTyping,
    private readonly tables: (AthenaType | undefined)[],
    private readonly nullTokens: NullTokens,
    nullTokenTexts: string[],
    private readonly invalidLines: Set<number>,
  ) {
    const types = typing.types
    this.types = types
    this.typings = types.map((type, j) => ({ type, variant: typing.variants[j], ...(typing.orders?.[j] ? { order: typing.orders[j] } : {}) }))
    this.variantAt = variantIndexes(typing)
    this.variantCounts = new Array(types.length).fill(undefined)
    this.builders = [...types.map((t) => columnBuilder(t)), ...this.variantAt.filter((v) => v >= 0).map(() => columnBuilder({ kind: 'string' }))]
    this.parsers = plan.columns.map((c, j) => (c.declared ? declaredParser(valueParser(c.declared.type, c.declared.format, c.declared.numbers), c.declared.type, types[j]) : inferredParser(types[j], typing, j)))
    this.fields = plan.columns.map((c) => c.field)
    this.nullable = plan.columns.map((c) => c.declared?.nullable ?? true)
    this.declared = plan.columns.map((c) => c.declared !== undefined)
    this.tokens = nullTokenTexts.filter((t) => t !== '').map((t) => Buffer.from(t, 'utf8'))
    // Not Math.max(...lengths): spreading a long token list overflows the call stack.
    this.longest = this.tokens.reduce((most, t) => Math.max(most, t.length), 0)
    this.tokenQuote = this.tokens.some((t) => t.includes(34))
    this.tokenStart = new Uint8Array(256)
    for (const t of this.tokens) this.tokenStart[t[0]] = 1
    this.scale = types.map((t) => (t.kind === 'decimal' ? t.scale : 0))
    this.maxWhole = types.map((t) => (t.kind === 'decimal' ? t.precision - t.scale : 0))
    this.paths = plan.columns.map((c, j) => {
      const t = types[j]
      // A contract column written as the table's wider type: validated by its own type first.
      if (c.declared && athenaTypeName(c.declared.type) !== athenaTypeName(t)) return Path.Text
      // A string column whose slash dates told no order yet reads its values on their text.
      if (t.kind === 'string') return !c.declared && typing.orders?.[j] === 'either' ? Path.Text : Path.String
      if (c.declared?.format) return Path.Text
      // Numbers in another format than the plain one are read on their text.
      if (!isPlainFormat(c.declared ? c.declared.numbers : typing.numbers) && (t.kind === 'int' || t.kind === 'bigint' || t.kind === 'decimal' || t.kind === 'double')) return Path.Text
      if (t.kind === 'bigint') return Path.Bigint
      if (t.kind === 'decimal' && t.precision <= 18) return Path.Decimal
      if (t.kind === 'boolean') return Path.Boolean
      if (t.kind === 'date') return Path.Date
      if (t.kind === 'timestamp') return Path.Timestamp
      if (t.kind === 'double') return Path.Double
      return Path.Text
    })
    this.columnRuns = this.paths.every((p, j) => p !== Path.Text || this.fields[j] < 0)
  }

  /** Rows held by the builders. */
  get rows(): number {
    return this.builders.length > 0 ? this.builders[0].rows : this.emptyRows
  }
  private emptyRows = 0

  reset(): void {
    for (const b of this.builders) b.reset()
    this.emptyRows = 0
  }

  /**
   * Starts the next stretch of a staging use (the values move to other builders after each):
   * string builders keep up to `maxEntries` entries in `maxBytes`, so repeated values keep their
   * entry numbers.
   */
  resetStretch(maxEntries: number, maxBytes: number): void {
    for (const b of this.builders) {
      if (b.kind === 'bytes') b.resetValues(maxEntries, maxBytes)
      else b.reset()
    }
    this.emptyRows = 0
  }

  /** The record ends with a delimiter: its last field is empty and unquoted. */
  private emptyLast(batch: RecordBatch, r: number, event: CsvEvent | undefined): boolean {
    if (event?.kind === 'record') return event.fields[event.fields.length - 1] === '' && endsWithEmptyField(event.raw, this.plan.trailingDelimiter!)
    const f = batch.firstField[r] + batch.fieldCount[r] - 1
    return batch.fieldStart[f] === batch.fieldEnd[f] && batch.fieldQuote[f] === 0
  }

  /** Coerces record `r` of the batch into the builders, or returns why it is rejected. */
  coerce(batch: RecordBatch, r: number): Reject | undefined {
    const event = batch.fallback.get(r)
    if (event?.kind === 'broken') return { line: event.line, record: recordText(event.raw), code: event.code, message: event.message, column: null }
    if (this.invalidLines.size > 0) {
      const line = this.invalidLine(batch, r)
      if (line !== undefined) return this.reject(batch, r, 'encoding', `encoding: invalid UTF-8 bytes at line ${line}`, null)
    }
    const width = batch.fieldCount[r]
    if (width !== this.plan.width && !(this.plan.trailingDelimiter && width === this.plan.width + 1 && this.emptyLast(batch, r, event))) return this.reject(batch, r, 'column_count', `csv: expected ${this.plan.width} fields, found ${width}`, null)
    const texts = event?.kind === 'record' ? event.fields : undefined
    const base = batch.firstField[r]
    let reject: Reject | undefined
    let widened: FileTyping | undefined
    let sent: number[] | undefined
    const n = this.types.length
    for (let j = 0; j < n; j++) {
      const b = this.builders[j]
      const field = this.fields[j]
      const variant = this.variantAt[j]
      if (field < 0) {
        b.appendNull()
        if (variant >= 0) this.builders[variant].appendNull()
        continue
      }
      if (texts === undefined && this.fast(batch, base + field, j)) {
        if (variant >= 0) this.builders[variant].appendNull()
        continue
      }
      // The reference path, on the field's text.
      const text = texts ? texts[field] : batch.text(base + field)
      if (this.nullTokens.isNull(text, this.types[j].kind !== 'string')) {
        b.appendNull()
        if (variant >= 0) this.builders[variant].appendNull()
        if (!this.nullable[j] && !reject) {
          reject = this.reject(batch, r, 'null_violation', `null: column ${this.plan.columns[j].name} is not nullable, found ${text === '' ? 'an empty value' : JSON.stringify(text)}`, this.plan.columns[j].name)
        }
        continue
      }
      if (this.declared[j]) {
        const value = this.parsers[j](text)
        if (value !== INVALID) append(b, value)
        else {
          b.appendNull()
          reject ??= this.reject(batch, r, 'type_mismatch', `type: ${JSON.stringify(clip(text))} is not a ${athenaTypeName(this.plan.columns[j].declared!.type)}${this.formatHint(j)}`, this.plan.columns[j].name)
        }
        continue
      }
      // An inferred column takes a value only if the inference rules keep its type: the
      // coercion rules alone would load `007` into a bigint column as 7.
      const route = routeValue(this.typings[j], this.tables[j], text.trim(), this.typing.numbers)
      const value = route.to === 'column' ? this.parsers[j](text) : INVALID
      if (value !== INVALID) append(b, value)
      else b.appendNull()
      if (variant >= 0) {
        if (route.to === 'variant') {
          ;(this.builders[variant] as BytesColumn).appendString(text)
          ;(sent ??= []).push(j)
        } else this.builders[variant].appendNull()
      }
      if (route.to === 'restart') widened = retyped(this.typing, widened, j, route.typing)
      else if (route.to === 'column' && value === INVALID) widened = retyped(this.typing, widened, j, { type: { kind: 'string' }, variant: false })
    }
    if (widened) throw new WidenNeeded(widened)
    if (reject) {
      for (const b of this.builders) dropLast(b)
      return reject
    }
    if (sent) for (const j of sent) countVariant(this.variantCounts, j, batch.line[r])
    if (n === 0) this.emptyRows += 1
    return undefined
  }

  /**
   * Coerces records [from, to) of the batch; returns the rejected ones' indexes (in order)
   * with their rejects. Runs of plain records (no fallback event, the plan's width) go column
   * by column through the byte fast paths; the first cell of a run that needs more (the
   * reference parsers, a reject, a variant, a wider type) ends the run before its record, and
   * that record goes through `coerce`. So the builders end as if each record had been coerced
   * in turn.
   */
  coerceRange(batch: RecordBatch, from: number, to: number, rejected: { record: number; reject: Reject }[]): void {
    // Runs only pay while they are long: a run that stops early wastes the cells its earlier
    // columns took past the stop. The next run is sized from the last one, and a batch whose
    // runs keep stopping goes on record by record.
    let runs = this.columnRuns && batch.fallback.size === 0 && this.invalidLines.size === 0
    let window = MIN_RUN
    let stops = 0
    let ran = 0
    let r = from
    while (r < to) {
      if (runs) {
        let end = r
        const cap = Math.min(to, r + window)
        while (end < cap && this.plainWidth(batch, end)) end += 1
        if (end > r) {
          const stop = this.run(batch, r, end)
          ran += stop - r
          if (stop === end) {
            window = Math.min(2 * window, MAX_RUN)
            r = stop
            continue
          }
          stops += 1
          window = Math.max(MIN_RUN, 2 * (stop - r))
          if (stops * 8 > ran + 64) runs = false
          r = stop
        }
      }
      const reject = this.coerce(batch, r)
      if (reject) rejected.push({ record: r, reject })
      r += 1
    }
  }

  private plainWidth(batch: RecordBatch, r: number): boolean {
    const width = batch.fieldCount[r]
    return width === this.plan.width || (this.plan.trailingDelimiter !== undefined && width === this.plan.width + 1 && this.emptyLast(batch, r, undefined))
  }

  /** Records [a, b) column by column; returns where the run stopped (b when it did not). */
  private run(batch: RecordBatch, a: number, b: number): number {
    const before = this.rows
    const n = this.types.length
    let limit = b
    for (let j = 0; j < n && limit > a; j++) limit = this.column(batch, a, limit, j)
    const keep = before + (limit - a)
    for (let j = 0; j < n; j++) {
      if (this.builders[j].rows > keep) truncate(this.builders[j], keep)
      const variant = this.variantAt[j]
      if (variant >= 0) for (let k = a; k < limit; k++) this.builders[variant].appendNull()
    }
    if (n === 0) this.emptyRows += limit - a
    return limit
  }

  /** Column j of records [a, b) through its fast path; returns the first record it cannot take. */
  private column(batch: RecordBatch, a: number, b: number, j: number): number {
    const field = this.fields[j]
    const builder = this.builders[j]
    if (field < 0) {
      for (let r = a; r < b; r++) builder.appendNull()
      return b
    }
    const path = this.paths[j]
    if (path === Path.Text) return a
    const buf = batch.buf
    const first = batch.firstField
    const starts = batch.fieldStart
    const ends = batch.fieldEnd
    const quotes = batch.fieldQuote
    const nullable = this.nullable[j]
    const longest = this.longest
    if (path === Path.String) {
      const bytes = builder as BytesColumn
      for (let r = a; r < b; r++) {
        const f = first[r] + field
        const s = starts[f]
        const e = ends[f]
        if (quotes[f] === 2) {
          if (this.tokenQuote) return r
          bytes.appendUnescaped(buf, s, e, 34)
        } else if (e === s || (e - s <= longest && this.isToken(buf, s, e))) {
          if (!nullable) return r
          bytes.appendNull()
        } else bytes.appendBytes(buf, s, e)
      }
      return b
    }
    for (let r = a; r < b; r++) {
      const f = first[r] + field
      if (quotes[f] === 2) return r
      let s = starts[f]
      let e = ends[f]
      while (s < e && isSpace(buf[s])) s += 1
      while (e > s && isSpace(buf[e - 1])) e -= 1
      if (e === s || (e - s <= longest && this.isToken(buf, s, e))) {
        if (!nullable) return r
        builder.appendNull()
        continue
      }
      if (!this.typed(path, buf, s, e, j)) return r
    }
    return b
  }

  /** The byte fast path for one cell; false when the cell needs the reference path. */
  private fast(batch: RecordBatch, f: number, j: number): boolean {
    const buf = batch.buf
    let s = batch.fieldStart[f]
    let e = batch.fieldEnd[f]
    const quoted = batch.fieldQuote[f]
    const path = this.paths[j]
    if (path === Path.String) {
      if (quoted === 2) {
        if (this.tokenQuote) return false
        ;(this.builders[j] as BytesColumn).appendUnescaped(buf, s, e, 34)
        return true
      }
      if (e === s) {
        if (!this.nullable[j]) return false
        this.builders[j].appendNull()
        return true
      }
      if (e - s <= this.longest && this.isToken(buf, s, e)) return false
      ;(this.builders[j] as BytesColumn).appendBytes(buf, s, e)
      return true
    }
    if (quoted === 2 || path === Path.Text) return false
    // Trim the whitespace String.prototype.trim removes in ASCII; other bytes go the slow way.
    while (s < e && isSpace(buf[s])) s += 1
    while (e > s && isSpace(buf[e - 1])) e -= 1
    if (e === s || (e - s <= this.longest && this.isToken(buf, s, e))) return false
    return this.typed(path, buf, s, e, j)
  }

  /** A trimmed, non-null cell of a typed column on its path; false when the path cannot take it. */
  private typed(path: Path, buf: Buffer, s: number, e: number, j: number): boolean {
    switch (path) {
      case Path.Bigint:
        return this.bigint(buf, s, e, j)
      case Path.Decimal:
        return this.decimal(buf, s, e, j)
      case Path.Date:
        return this.date(buf, s, e, j)
      case Path.Timestamp:
        return this.timestamp(buf, s, e, j)
      case Path.Double:
        return this.double(buf, s, e, j)
      default:
        return this.boolean(buf, s, e, j)
    }
  }

  private bigint(buf: Buffer, s: number, e: number, j: number): boolean {
    let p = s
    const sign = buf[p] === 45 ? -1 : 1
    // A leading `+` is text to the inference rules.
    if (buf[p] === 43 && !this.declared[j]) return false
    if (buf[p] === 45 || buf[p] === 43) p += 1
    const digits = e - p
    // Up to 15 digits a double is exact; a leading zero is text to the inference rules.
    if (digits === 0 || digits > 15) return false
    if (buf[p] === 48 && digits > 1 && !this.declared[j]) return false
    let v = 0
    for (; p < e; p++) {
      const d = buf[p] - 48
      if (d < 0 || d > 9) return false
      v = v * 10 + d
    }
    ;(this.builders[j] as Int64Column).append(sign * v)
    return true
  }

  private decimal(buf: Buffer, s: number, e: number, j: number): boolean {
    let p = s
    const sign = buf[p] === 45 ? -1 : 1
    if (buf[p] === 43 && !this.declared[j]) return false
    if (buf[p] === 45 || buf[p] === 43) p += 1
    const wholeStart = p
    let v = 0
    while (p < e && buf[p] >= 48 && buf[p] <= 57) v = v * 10 + (buf[p++] - 48)
    const wholeDigits = p - wholeStart
    let fraction = 0
    if (p < e) {
      if (buf[p] !== 46) return false
      p += 1
      const fractionStart = p
      while (p < e && buf[p] >= 48 && buf[p] <= 57) v = v * 10 + (buf[p++] - 48)
      fraction = p - fractionStart
      if (p < e || fraction === 0) return false
    }
    // The shapes both rule sets agree on: digits before the point, no leading zero, at most
    // the column's scale after it, 15 digits in all. Anything else takes the reference path.
    if (wholeDigits === 0 || (buf[wholeStart] === 48 && wholeDigits > 1) || wholeDigits + fraction > 15) return false
    const scale = this.scale[j]
    if (fraction > scale) return false
    const whole = wholeDigits === 1 && buf[wholeStart] === 48 && fraction > 0 ? 0 : wholeDigits
    if (whole > this.maxWhole[j]) return false
    for (let k = fraction; k < scale; k++) v *= 10
    if (v > Number.MAX_SAFE_INTEGER) return false
    const b = this.builders[j]
    if (b instanceof Int32Column) b.append(sign * v)
    else (b as Int64Column).append(sign * v)
    return true
  }

  private date(buf: Buffer, s: number, e: number, j: number): boolean {
    if (e - s !== 10) return false
    const days = isoDateDays(buf, s)
    if (days === undefined) return false
    ;(this.builders[j] as Int32Column).append(days)
    return true
  }

  /**
   * ISO instants: the `…Z` shape on bytes, other ISO shapes (offsets, fractions, dates) by
   * ISO_TIMESTAMP on their text. The `YYYY-MM-DD` prefix is checked first: no text of that
   * shape is a number or a boolean to the inference rules, so the parse alone decides.
   */
  private timestamp(buf: Buffer, s: number, e: number, j: number): boolean {
    const n = e - s
    if (n < 10 || buf[s + 4] !== 45 || buf[s + 7] !== 45 || buf[s] < 48 || buf[s] > 57) return false
    let v: number | bigint | undefined = n === 20 ? isoInstantMicros(buf, s) : undefined
    if (v === undefined && n > 10) v = isoTimestampMicros(buf, s, e)
    if (v === undefined) {
      for (let k = s; k < e; k++) if (buf[k] >= 128) return false
      v = ISO_TIMESTAMP.parseMicros(buf.toString('latin1', s, e))
      if (v === undefined) return false
    }
    ;(this.builders[j] as Int64Column).append(v)
    return true
  }

  /**
   * Numbers in a double column. An inferred column takes here what the inference rules keep
   * a double: exponent notation, or an integer or a decimal without leading zeros of at most
   * 15 digits; a declared one whatever parseDouble reads. The value is Number() of the text, as there.
   */
  private double(buf: Buffer, s: number, e: number, j: number): boolean {
    let p = s
    if (buf[p] === 43 && !this.declared[j]) return false
    if (buf[p] === 45 || buf[p] === 43) p += 1
    const intStart = p
    while (p < e && buf[p] >= 48 && buf[p] <= 57) p += 1
    const intDigits = p - intStart
    let point = false
    let fracDigits = 0
    if (p < e && buf[p] === 46) {
      point = true
      p += 1
      const f = p
      while (p < e && buf[p] >= 48 && buf[p] <= 57) p += 1
      fracDigits = p - f
    }
    let exponent = false
    if (p < e && (buf[p] === 101 || buf[p] === 69)) {
      p += 1
      if (p < e && (buf[p] === 45 || buf[p] === 43)) p += 1
      const x = p
      while (p < e && buf[p] >= 48 && buf[p] <= 57) p += 1
      if (p === x) return false
      exponent = true
    }
    if (p !== e || (intDigits === 0 && fracDigits === 0)) return false
    if (!this.declared[j] && !exponent) {
      // Integer or decimal shapes of the inference rules: digits before any point, no leading
      // zero, and at least one digit after a point.
      if (intDigits === 0 || (buf[intStart] === 48 && intDigits > 1) || (point && fracDigits === 0)) return false
      // More digits than a double holds exactly: the reference path decides (routeValue).
      if (intDigits + fracDigits > 15) return false
    }
    ;(this.builders[j] as DoubleColumn).append(Number(buf.toString('latin1', s, e)))
    return true
  }

  private boolean(buf: Buffer, s: number, e: number, j: number): boolean {
    const n = e - s
    if (n === 4 && (buf[s] | 32) === 116 && (buf[s + 1] | 32) === 114 && (buf[s + 2] | 32) === 117 && (buf[s + 3] | 32) === 101) {
      ;(this.builders[j] as BooleanColumn).append(true)
      return true
    }
    if (n === 5 && (buf[s] | 32) === 102 && (buf[s + 1] | 32) === 97 && (buf[s + 2] | 32) === 108 && (buf[s + 3] | 32) === 115 && (buf[s + 4] | 32) === 101) {
      ;(this.builders[j] as BooleanColumn).append(false)
      return true
    }
    return false
  }

  private isToken(buf: Buffer, s: number, e: number): boolean {
    if (!this.tokenStart[buf[s]]) return false
    for (const t of this.tokens) {
      if (t.length !== e - s) continue
      let k = 0
      while (k < t.length && t[k] === buf[s + k]) k += 1
      if (k === t.length) return true
    }
    return false
  }

  private invalidLine(batch: RecordBatch, r: number): number | undefined {
    const first = batch.line[r]
    const last = first + lineBreaks(recordText(batch.raw(r)))
    for (let line = first; line <= last; line++) if (this.invalidLines.has(line)) return line
    return undefined
  }

  private reject(batch: RecordBatch, r: number, code: Reject['code'], message: string, column: string | null): Reject {
    const event = batch.fallback.get(r)
    return { line: batch.line[r], record: recordText(event ? event.raw : batch.raw(r)), code, message, column }
  }

  private formatHint(j: number): string {
    const declared = this.plan.columns[j].declared
    if (declared?.format) return ` in format ${declared.format.pattern}`
    return declared?.numbers && !isPlainFormat(declared.numbers) ? ` written with ${describeNumberFormat(declared.numbers)}` : ''
  }
}

/** Records in a column run: the first, and the most. */
const MIN_RUN = 16
const MAX_RUN = 1 << 16

const isSpace = (b: number) => b === 32 || (b >= 9 && b <= 13)

const clip = (text: string) => (text.length > 100 ? `${text.slice(0, 100)}…` : text)

function append(b: ColumnBuilder, value: CellValue): void {
  switch (b.kind) {
    case 'boolean':
      return b.append(value as boolean)
    case 'int32':
      return b.append(Number(value))
    case 'int64':
      return b.append(value as number | bigint)
    case 'double':
      return b.append(value as number)
    case 'bigdecimal':
      return b.append(value as number | bigint)
    case 'bytes':
      return b.appendString(value as string)
  }
}

/** Cuts the builder back to its first `rows` rows. */
function truncate(b: ColumnBuilder, rows: number): void {
  let dropped = 0
  for (let r = rows; r < b.rows; r++) dropped += b.defined[r]
  b.rows = rows
  b.count -= dropped
  if (b.kind === 'int64' && b.big) for (const k of [...b.big.keys()]) if (k >= b.count) b.big.delete(k)
  if (b.kind === 'bytes') b.valuesCut()
}

/** Removes the last row (a row that turned out to be rejected). */
function dropLast(b: ColumnBuilder): void {
  b.rows -= 1
  if (b.defined[b.rows] !== 1) return
  b.count -= 1
  if (b.kind === 'int64') b.big?.delete(b.count)
  if (b.kind === 'bytes') b.valuesCut()
}
