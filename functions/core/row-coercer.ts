import { athenaTypeName } from './athena-types'
import type { ColumnPlan } from './column-plan'
import { ColumnTypeAccumulator, classifyValue, fitsInferredType } from './infer-column-type'
import type { CsvEvent } from './csv/read-csv-records'
import { endsWithEmptyField } from './csv/sniff-dialect'
import { recordText, type Reject } from './rejects-table'
import { lineBreaks } from './csv/read-csv-records'
import type { NullTokens } from './null-tokens'
import { INVALID, valueParser, type CellValue, type ValueParser } from './value-codecs'
import type { AthenaType } from './transform-types'

/** Thrown when a value does not fit a type inferred from the sample: inference must widen. */
export class WidenNeeded extends Error {
  constructor(readonly types: AthenaType[]) {
    super('inference: a value needs a wider type than the sample showed')
    this.name = 'WidenNeeded'
  }
}

type Record_ = Extract<CsvEvent, { kind: 'record' }>

/**
 * Turns one record's fields into typed values, or explains why the row is rejected.
 * Strings are kept exactly; other types have surrounding whitespace trimmed. A cell is
 * null when it is empty or a null token (after trimming, for non-string types).
 */
export class RowCoercer {
  private readonly parsers: ValueParser[]
  private readonly fields: number[]
  private readonly nullable: boolean[]
  private readonly declared: boolean[]
  private readonly isString: boolean[]
  private readonly row: (CellValue | null)[]

  constructor(
    private readonly plan: ColumnPlan,
    private readonly types: AthenaType[],
    private readonly nullTokens: NullTokens,
    private readonly invalidLines: Set<number>,
  ) {
    this.parsers = plan.columns.map((c, j) => valueParser(types[j], c.declared?.format))
    this.fields = plan.columns.map((c) => c.field)
    this.nullable = plan.columns.map((c) => c.declared?.nullable ?? true)
    this.declared = plan.columns.map((c) => c.declared !== undefined)
    this.isString = types.map((t) => t.kind === 'string')
    this.row = new Array(plan.columns.length).fill(null)
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
    let widened: AthenaType[] | undefined
    for (let j = 0; j < this.parsers.length; j++) {
      const field = this.fields[j]
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
      // An inferred column takes a value only if the inference rules keep its type: the
      // coercion rules alone would load `007` into a bigint column as 7.
      const value = this.declared[j] || fitsInferredType(this.types[j], text.trim()) ? this.parsers[j](text) : INVALID
      if (value !== INVALID) {
        this.row[j] = value
      } else if (this.declared[j]) {
        reject ??= toReject(event, 'type_mismatch', `type: ${JSON.stringify(clip(text))} is not a ${athenaTypeName(this.types[j])}${this.formatHint(j)}`, this.plan.columns[j].name)
      } else {
        widened ??= [...this.types]
        const acc = new ColumnTypeAccumulator(widened[j])
        acc.add(classifyValue(text.trim()))
        widened[j] = acc.type
      }
    }
    if (widened) throw new WidenNeeded(widened)
    return reject
  }


  private formatHint(j: number): string {
    const format = this.plan.columns[j].declared?.format
    return format ? ` in format ${format.pattern}` : ''
  }
}

function toReject(event: Record_, code: Reject['code'], message: string, column: string | null): Reject {
  return { line: event.line, record: recordText(event.raw), code, message, column }
}

const clip = (text: string) => (text.length > 100 ? `${text.slice(0, 100)}…` : text)
