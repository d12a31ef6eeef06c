import { athenaTypeName, MAX_DECIMAL_PRECISION } from './athena-types'
import type { AthenaType } from '../transform-types'

/**
 * How a column's type may change over the life of a table: it only widens, within one family,
 * so that every value already loaded keeps its exact value under the new type.
 *
 *   int → bigint → decimal(p,s) → a decimal of more whole digits or more scale
 *   date → timestamp (midnight UTC of the day)
 *
 * Everything else is a conflict: text in a numeric column, a number in a date column, and
 * bigint or decimal next to double (a double cannot hold every 18-digit id or every decimal
 * exactly, so a column never widens to double once it holds exact numbers).
 */

/**
 * Scales an inferred decimal rounds up to. Files of one dataset often differ in how many
 * decimal places they print (`1.5`, `1.25`, `1.125`); rounding up to the next step keeps the
 * table's type stable across them, so a widening (which rewrites published files) happens at
 * most once per step instead of once per new scale. Beyond the last step the scale is exact.
 */
export const DECIMAL_SCALE_STEPS = [0, 2, 4, 6, 9, 12, 18] as const

/** Precisions an inferred decimal rounds up to: 18 fits in an INT64, 38 is Athena's maximum. */
const SHORT_DECIMAL_PRECISION = 18

/**
 * The decimal type inference gives values of at most `whole` integer digits and `scale`
 * fraction digits: scale rounded up to a step, precision rounded up to 18 or 38. Undefined
 * when no decimal holds them.
 */
export function inferredDecimal(whole: number, scale: number): AthenaType | undefined {
  const stepped = DECIMAL_SCALE_STEPS.find((s) => s >= scale) ?? scale
  for (const s of stepped === scale ? [scale] : [stepped, scale]) {
    if (whole + s <= SHORT_DECIMAL_PRECISION) return { kind: 'decimal', precision: SHORT_DECIMAL_PRECISION, scale: s }
    if (whole + s <= MAX_DECIMAL_PRECISION) return { kind: 'decimal', precision: MAX_DECIMAL_PRECISION, scale: s }
  }
  return undefined
}

/** Integer digits a type holds: what a decimal widened from it must keep. */
function wholeDigits(type: AthenaType): number | undefined {
  switch (type.kind) {
    case 'int':
      return 10
    case 'bigint':
      return 19
    case 'decimal':
      return type.precision - type.scale
    default:
      return undefined
  }
}

/**
 * The narrowest type that holds every value of both types exactly, within the widening rules
 * above; undefined when they conflict. Equal types give that type. Two different decimals
 * give a decimal with the larger whole part and the larger scale: at precision 18 when that
 * holds them (an INT64 in Parquet), else at exactly the digits they need. Rounding a join up to
 * 38 would make its whole part claim 38 - scale digits, and no later scale could join it:
 * decimal(18,2) ⊔ decimal(18,4) is decimal(20,4), which still joins decimal(18,9) into
 * decimal(25,9), where decimal(38,4) would not.
 */
export function widenType(a: AthenaType, b: AthenaType): AthenaType | undefined {
  if (athenaTypeName(a) === athenaTypeName(b)) return a
  if ((a.kind === 'date' && b.kind === 'timestamp') || (a.kind === 'timestamp' && b.kind === 'date')) return { kind: 'timestamp' }
  const wa = wholeDigits(a)
  const wb = wholeDigits(b)
  if (wa === undefined || wb === undefined) return undefined
  if (a.kind !== 'decimal' && b.kind !== 'decimal') return { kind: 'bigint' } // int and bigint
  const whole = Math.max(wa, wb)
  const scale = Math.max(a.kind === 'decimal' ? a.scale : 0, b.kind === 'decimal' ? b.scale : 0)
  if (whole + scale > MAX_DECIMAL_PRECISION) return undefined
  return { kind: 'decimal', precision: whole + scale <= SHORT_DECIMAL_PRECISION ? SHORT_DECIMAL_PRECISION : whole + scale, scale }
}

/** Whether a table of type `table` holds every value of type `value` exactly. */
export const holds = (table: AthenaType, value: AthenaType): boolean => {
  const joined = widenType(table, value)
  return joined !== undefined && athenaTypeName(joined) === athenaTypeName(table)
}

/**
 * Whether Athena reads Parquet written with a column of type `written` when the table
 * declares `table`. Its documented compatible pairs are INT as BIGINT and FLOAT as DOUBLE
 * ("Change a column data type" in the Athena user guide); a decimal of another precision or
 * scale, a bigint as a decimal and a date as a timestamp are not, so parts written with those
 * types are rewritten when the table widens.
 */
export function readableAs(written: AthenaType, table: AthenaType): boolean {
  if (athenaTypeName(written) === athenaTypeName(table)) return true
  return written.kind === 'int' && table.kind === 'bigint'
}
