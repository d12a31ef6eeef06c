import { athenaTypeName, MAX_DECIMAL_PRECISION, type AthenaType } from './athena-types'

/**
 * How a column's type may change over the life of a table: it only widens, within one family,
 * so that every value already loaded keeps its exact value under the new type.
 *
 *   int → bigint → decimal(29,9) → decimal(38,18)   (or decimal(38,s) for wider whole parts)
 *   date → timestamp (midnight UTC of the day)
 *
 * A widening Athena cannot read the old parts under rewrites them (`readableAs`), so each step
 * is taken wide: a column's parts are rewritten at most twice over the table's life.
 *
 * Everything else is a conflict: text in a numeric column, a number in a date column, and
 * bigint or decimal next to double (a double cannot hold every 18-digit id or every decimal
 * exactly, so a column never widens to double once it holds exact numbers).
 */

/**
 * Scales an inferred decimal rounds up to. Files of one dataset often differ in how many
 * decimal places they print (`1.5`, `1.25`, `1.125`); rounding up to the next step lets a
 * table created from one of them hold the others without a widening (which rewrites published
 * files). Beyond the last step the scale is exact.
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
 * Whole digits of the decimals a column widens to: every bigint (19 digits) and every whole
 * part an inferred decimal(18,s) holds, with room left for 18 fraction digits within 38.
 */
const WIDE_WHOLE = MAX_DECIMAL_PRECISION - 18

/**
 * The scales a widened decimal takes, in turn: 9 holds what most data prints (money, rates,
 * coordinates), 18 the most any step of `DECIMAL_SCALE_STEPS` asks for.
 */
export const WIDENED_DECIMAL_SCALES = [9, 18] as const

/**
 * The decimal a column of whole part `whole` and scale `scale` widens to: the first of
 * decimal(29,9) and decimal(38,18) that holds it, else the decimal of precision 38 that keeps
 * its whole part and gives the rest to the scale. Each rewrite of a column lands on one of
 * these, and only decimal(29,9) widens again (to one of the others, which no decimal
 * beyond them can join within 38 digits): a column's parts are rewritten at most twice.
 */
function widenedDecimal(whole: number, scale: number): AthenaType | undefined {
  for (const s of WIDENED_DECIMAL_SCALES) if (whole <= WIDE_WHOLE && scale <= s) return { kind: 'decimal', precision: WIDE_WHOLE + s, scale: s }
  if (whole + scale > MAX_DECIMAL_PRECISION) return undefined
  return { kind: 'decimal', precision: MAX_DECIMAL_PRECISION, scale: MAX_DECIMAL_PRECISION - whole }
}

/**
 * The type a column of type `table` becomes to hold every value of type `value` exactly,
 * within the widening rules above; undefined when they conflict. `table` itself when it holds
 * them. Otherwise a widening, which for a decimal rewrites every part written before: rather
 * than the narrowest decimal that holds both (one rewrite per new scale or whole digit, a
 * rewrite of the whole table each time), the column goes straight to a wide decimal later
 * files fit (`widenedDecimal`). int widens to bigint, which Athena reads INT32 parts as, and
 * date to timestamp; neither widens again.
 */
export function widenType(table: AthenaType, value: AthenaType): AthenaType | undefined {
  if (athenaTypeName(table) === athenaTypeName(value)) return table
  if (table.kind === 'timestamp' && value.kind === 'date') return table
  if (table.kind === 'date' && value.kind === 'timestamp') return value
  const wt = wholeDigits(table)
  const wv = wholeDigits(value)
  if (wt === undefined || wv === undefined) return undefined
  if (table.kind !== 'decimal' && value.kind !== 'decimal') return { kind: 'bigint' } // int and bigint
  const whole = Math.max(wt, wv)
  const scale = Math.max(table.kind === 'decimal' ? table.scale : 0, value.kind === 'decimal' ? value.scale : 0)
  if (table.kind === 'decimal' && whole === wt && scale === table.scale) return table
  return widenedDecimal(whole, scale)
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
