import { athenaTypeName, type AthenaType } from './athena-types'
import { ColumnTypeAccumulator, classifyValue, type ValueClass } from './infer-column-type'
import { widenType } from './type-widening'
import type { NumberFormat } from './number-format'
import type { OrderEvidence } from './slash-dates'

/**
 * One column, one type: where each value of an undeclared column goes.
 *
 * A column the table already has (type T) keeps every value that fits T or a widening of T
 * (type-widening.ts): the file writes the column under its own name, typed F = T, or the
 * widening its values need. A value that fits neither (text in a numeric column, a value in
 * double notation in an exact one, a non-date in a date column) goes, as text, to the
 * column's only variant `<name>__string`; the other values of the file stay in the column.
 *
 * A new column takes the type its values infer. Its one variant case: values in double
 * notation next to exact numbers a double cannot hold (`7.02608E+17` among 18-digit ids) go to
 * `<name>__string`, and the column stays exact.
 */

/** An undeclared column's type in a file, and whether it writes a `__string` variant. */
export interface ColumnTyping {
  type: AthenaType
  variant: boolean
  /**
   * A date or timestamp column with slash dates: their order. `either` on a string column:
   * its values were dates whose order none told, and a value that tells it retypes the file.
   */
  order?: OrderEvidence
}

/** The name of a column's variant. */
export const variantName = (column: string) => `${column}__string`

/** Whether `type` is `table` or a widening of it. */
function widens(table: AthenaType, type: AthenaType): boolean {
  const joined = widenType(table, type)
  return joined !== undefined && athenaTypeName(joined) === athenaTypeName(type)
}

const admits = (table: AthenaType, acc: ColumnTypeAccumulator) => !acc.lossy && widens(table, acc.type)

/** Infers one undeclared column from its non-null, trimmed cell texts. */
export class ColumnInference {
  private acc: ColumnTypeAccumulator
  private variant = false

  /** `table`: the column's type in the table, when the table has it; `numbers`: the file's number format. */
  constructor(private readonly table?: AthenaType, private readonly numbers?: NumberFormat) {
    this.acc = new ColumnTypeAccumulator(table)
  }

  add(text: string): void {
    this.addClass(classifyValue(text, this.numbers))
  }

  /** Adds a value already classified (classifyValue, or classifyBytes on its bytes). */
  addClass(value: ValueClass): void {
    if (!this.table) return this.acc.add(value)
    if (this.table.kind === 'string') return
    // A slash date that tells no order waits for the column's other values to tell it.
    if (value.order === 'either' && this.acc.order === undefined) {
      if (!this.pending.some((p) => p.kind === value.kind)) this.pending.push(value)
      return
    }
    const next = this.acc.clone()
    next.add(value)
    if (admits(this.table, next)) this.acc = next
    else this.variant = true
  }

  /** Slash dates of a table's column that told no order, one per kind (ColumnInference.addClass). */
  private readonly pending: ValueClass[] = []

  /** The accumulator with the pending slash dates, and whether they need the variant. */
  private settle(): { acc: ColumnTypeAccumulator; variant: boolean } {
    if (this.pending.length === 0 || !this.table) return { acc: this.acc, variant: this.variant }
    const next = this.acc.clone()
    for (const p of this.pending) next.add(p)
    return admits(this.table, next) ? { acc: next, variant: this.variant } : { acc: this.acc, variant: true }
  }

  /** No further value can change the typing: the sample may stop reading this column. */
  get settled(): boolean {
    return this.table ? this.table.kind === 'string' : this.acc.settled
  }

  get typing(): ColumnTyping {
    const { acc, variant } = this.settle()
    const type = acc.type
    const order = type.kind === 'date' || type.kind === 'timestamp' ? acc.order : acc.undecided ? 'either' : undefined
    return { type, variant: this.table ? variant : acc.lossy, ...(order ? { order } : {}) }
  }
}

/** Where a value goes; `restart` when the file must be inferred again as a whole. */
export type Route = { to: 'column' } | { to: 'variant' } | { to: 'restart'; typing: ColumnTyping }

const COLUMN: Route = { to: 'column' }
const VARIANT: Route = { to: 'variant' }

/**
 * Routes a non-null, trimmed value of an undeclared column typed `typing` (from a sample, or
 * from the whole file) whose type in the table is `table`. A value that needs a wider type,
 * or a variant the file does not write yet, asks for a restart: the whole file is then
 * inferred with ColumnInference, under which every value has a place.
 */
export function routeValue(typing: ColumnTyping, table: AthenaType | undefined, text: string, numbers?: NumberFormat): Route {
  const { type, variant } = typing
  if (type.kind === 'string') return typing.order === 'either' ? routeUndecided(typing, text, numbers) : COLUMN
  const acc = new ColumnTypeAccumulator(type, typing.order)
  acc.add(classifyValue(text, numbers))
  if (!acc.lossy && athenaTypeName(acc.type) === athenaTypeName(type) && acc.order === typing.order) return COLUMN
  const order = acc.order
  const widened = (t: AthenaType): ColumnTyping => ({ type: t, variant, ...(order && (t.kind === 'date' || t.kind === 'timestamp') ? { order } : {}) })
  if (table) {
    if (admits(table, acc)) return { to: 'restart', typing: widened(acc.type) }
    return variant ? VARIANT : { to: 'restart', typing: { ...typing, variant: true } }
  }
  if (acc.lossy && variant) return VARIANT
  return { to: 'restart', typing: acc.lossy ? { ...typing, variant: true } : { ...widened(acc.type), variant: variant || acc.lossy } }
}

/** A value of a string column whose slash dates told no order: a restart when it tells one. */
function routeUndecided(typing: ColumnTyping, text: string, numbers: NumberFormat | undefined): Route {
  const acc = new ColumnTypeAccumulator({ kind: 'timestamp' }, 'either')
  acc.add(classifyValue(text, numbers))
  const order = acc.order
  return acc.type.kind === 'string' ? COLUMN : { to: 'restart', typing: { type: acc.type, variant: typing.variant, ...(order ? { order } : {}) } }
}
