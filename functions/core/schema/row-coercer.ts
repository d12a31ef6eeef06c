import { athenaTypeName, type AthenaType } from './athena-types'
import type { ColumnPlan } from './column-plan'
import { declaredParser } from './contract-on-table'
import { routeValue, type ColumnTyping } from './value-routing'
import type { CsvEvent } from '../csv/read-csv-records'
import { endsWithEmptyField } from '../csv/sniff-dialect'
import { recordText, type Reject } from '../csv/reject'
import { lineBreaks } from '../csv/read-csv-records'
import type { NullTokens } from './null-tokens'
import { INVALID, valueParser, type CellValue, type ValueParser } from './value-codecs'
import { slashDateParser } from './slash-dates'
import { describeNumberFormat, isPlainFormat } from './number-format'
import { countVariant, type FileTyping, type VariantCount } from './file-typing'

/**
 * Thrown when a value does not fit a type inferred from the sample (it needs a wider type, or
 * a variant the file does not write yet): the whole file must be inferred.
 */
export class WidenNeeded extends Error {
  constructor(readonly typing: FileTyping) {
    super('inference: a value needs a wider type or a variant column that the sample did not show')
    this.name = 'WidenNeeded'
  }
}

/** The typing `typing` with column j's changed to `column`, for a WidenNeeded. */
export function retyped(typing: FileTyping, widened: FileTyping | undefined, j: number, column: ColumnTyping): FileTyping {
  const next = widened ?? { ...typing, types: [...typing.types], variants: [...typing.variants], orders: typing.orders ? [...typing.orders] : typing.types.map(() => undefined) }
  next.types[j] = column.type
  next.variants[j] = column.variant
  next.orders![j] = column.order
  return next
}

/**
 * The parser of column j, undeclared, typed by `typing`: numbers in the file's number format,
 * slash dates in the column's order.
 */
export function inferredParser(type: AthenaType, typing: FileTyping, j: number): ValueParser {
  const order = typing.orders?.[j]
  return valueParser(type, order && order !== 'either' && (type.kind === 'date' || type.kind === 'timestamp') ? slashDateParser(order) : undefined, typing.numbers)
}

/** For each planned column, the index of its variant among the output columns, or -1. */
export function variantIndexes(typing: FileTyping): number[] {
  let next = typing.types.length
  return typing.variants.map((v) => (v ? next++ : -1))
}

type Record_ = Extract<CsvEvent, { kind: 'record' }>

/**
 * Turns one record's fields into typed values, or explains why the row is rejected.
 * Strings are kept exactly; other types have surrounding whitespace trimmed. A cell is
 * null when it is empty or a null token (after trimming, for non-string types). A declared
 * column rejects a value its contract type cannot take; an undeclared one routes each value
 * (routeValue): to the column, to its `__string` variant (the text as it is), or asks for a
 * restart (WidenNeeded). The values follow the planned columns, then the variants.
 */
export class RowCoercer {
  private readonly parsers: ValueParser[]
  private readonly fields: number[]
  private readonly nullable: boolean[]
  private readonly declared: boolean[]
  private readonly isString: boolean[]
  private readonly row: (CellValue | null)[]
  private readonly typings: ColumnTyping[]
  private readonly variantAt: number[]
  /** Per planned column, the values sent to its variant, and the first line. */
  readonly variantCounts: (VariantCount | undefined)[]

  constructor(
    private readonly plan: ColumnPlan,
    private readonly typing: FileTyping,
    private readonly tables: (AthenaType | undefined)[],
    private readonly nullTokens: NullTokens,
    private readonly invalidLines: Set<number>,
  ) {
    const types = typing.types
    this.typings = types.map((type, j) => ({ type, variant: typing.variants[j], ...(typing.orders?.[j] ? { order: typing.orders[j] } : {}) }))
    this.parsers = plan.columns.map((c, j) => (c.declared ? declaredParser(valueParser(c.declared.type, c.declared.format, c.declared.numbers), c.declared.type, types[j]) : inferredParser(types[j], typing, j)))
    this.fields = plan.columns.map((c) => c.field)
    this.nullable = plan.columns.map((c) => c.declared?.nullable ?? true)
    this.declared = plan.columns.map((c) => c.declared !== undefined)
    this.isString = types.map((t) => t.kind === 'string')
    this.variantAt = variantIndexes(typing)
    this.row = new Array(plan.columns.length + this.variantAt.filter((v) => v >= 0).length).fill(null)
    this.variantCounts = new Array(plan.columns.length).fill(undefined)
  }

  /** The first line of `event` that holds invalid UTF-8, if any. */
  static invalidLine(event: Record_, invalidLines: Set<number>): number | undefined {
    const last = event.line + lineBreaks(recordText(event.raw))
    for (let line = event.line; line <= last; line++) if (invalidLines.has(line)) return line
    return undefined
  }

  values(): (CellValue | null)[] {
    return this.row
  }

  /** Coerces a record; on success its values are in `values()`. Returns the reject otherwise. */
  coerce(event: Record_): Reject | undefined {
    const { fields } = event
    if (this.invalidLines.size > 0) {
      const line = RowCoercer.invalidLine(event, this.invalidLines)
      if (line !== undefined) return toReject(event, 'encoding', `encoding: invalid UTF-8 bytes at line ${line}`, null)
    }
    const trailing = this.plan.trailingDelimiter !== undefined && fields.length === this.plan.width + 1 && fields[this.plan.width] === '' && endsWithEmptyField(event.raw, this.plan.trailingDelimiter)
    if (fields.length !== this.plan.width && !trailing) {
      return toReject(event, 'column_count', `csv: expected ${this.plan.width} fields, found ${fields.length}`, null)
    }
    let reject: Reject | undefined
    let widened: FileTyping | undefined
    let sent: number[] | undefined
    for (let j = 0; j < this.parsers.length; j++) {
      const field = this.fields[j]
      const variant = this.variantAt[j]
      if (variant >= 0) this.row[variant] = null
      if (field < 0) {
        this.row[j] = null
        continue
      }
      const text = fields[field]
      if (this.nullTokens.isNull(text, !this.isString[j])) {
        this.row[j] = null
        if (!this.nullable[j] && !reject) {
          reject = toReject(event, 'null_violation', `null: column ${this.plan.columns[j].name} is not nullable, found ${text === '' ? 'an empty value' : JSON.stringify(text)}`, this.plan.columns[j].name)
        }
        continue
      }
      if (this.declared[j]) {
        const value = this.parsers[j](text)
        this.row[j] = value === INVALID ? null : value
        if (value === INVALID) {
          reject ??= toReject(event, 'type_mismatch', `type: ${JSON.stringify(clip(text))} is not a ${athenaTypeName(this.plan.columns[j].declared!.type)}${this.formatHint(j)}`, this.plan.columns[j].name)
        }
        continue
      }
      // An inferred column takes a value only if the inference rules keep its type: the
      // coercion rules alone would load `007` into a bigint column as 7.
      const route = routeValue(this.typings[j], this.tables[j], text.trim(), this.typing.numbers)
      this.row[j] = null
      if (route.to === 'column') {
        const value = this.parsers[j](text)
        if (value !== INVALID) this.row[j] = value
        else widened = retyped(this.typing, widened, j, { type: { kind: 'string' }, variant: false })
      } else if (route.to === 'variant') {
        this.row[variant] = text
        ;(sent ??= []).push(j)
      } else {
        widened = retyped(this.typing, widened, j, route.typing)
      }
    }
    if (widened) throw new WidenNeeded(widened)
    if (!reject && sent) for (const j of sent) countVariant(this.variantCounts, j, event.line)
    return reject
  }


  private formatHint(j: number): string {
    const declared = this.plan.columns[j].declared
    if (declared?.format) return ` in format ${declared.format.pattern}`
    return declared?.numbers && !isPlainFormat(declared.numbers) ? ` written with ${describeNumberFormat(declared.numbers)}` : ''
  }
}

function toReject(event: Record_, code: Reject['code'], message: string, column: string | null): Reject {
  return { line: event.line, record: recordText(event.raw), code, message, column }
}

const clip = (text: string) => (text.length > 100 ? `${text.slice(0, 100)}…` : text)
