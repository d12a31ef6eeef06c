import type { AthenaType } from './athena-types'
import type { ColumnPlan } from './column-plan'
import type { NumberFormat } from './number-format'
import type { OrderEvidence } from './slash-dates'
import { variantName } from './value-routing'

/**
 * The types a file writes: one per planned column (a contract column's from its declared type
 * and the table's, see contractWriteType), and which undeclared columns also write their
 * `__string` variant (schema/value-routing.ts).
 */
export interface FileTyping {
  types: AthenaType[]
  variants: boolean[]
  /** How the undeclared columns' numbers are written, when not plain (the contract's, or inferred). */
  numbers?: NumberFormat
  /** Per planned column, the order of an undeclared column's slash dates (ColumnTyping.order). */
  orders?: (OrderEvidence | undefined)[]
  /** What inference decided that the file's receipt should tell (an inferred number format). */
  warnings?: string[]
}

/** The Parquet columns a file writes: the planned columns under their own names, then the variants. */
export function outputColumns(plan: ColumnPlan, typing: FileTyping): { name: string; type: AthenaType; nullable: boolean }[] {
  return [
    ...plan.columns.map((c, j) => ({ name: c.name, type: typing.types[j], nullable: c.declared?.nullable ?? true })),
    ...plan.columns.flatMap((c, j) => (typing.variants[j] ? [{ name: variantName(c.name), type: { kind: 'string' } as AthenaType, nullable: true }] : [])),
  ]
}

/** Values a column sent to its variant: how many, and the line of the first. */
export interface VariantCount {
  values: number
  firstLine: number
}

/** Adds one variant value at `line` to column j's count. */
export function countVariant(counts: (VariantCount | undefined)[], j: number, line: number): void {
  const c = counts[j]
  if (c) c.values += 1
  else counts[j] = { values: 1, firstLine: line }
}
