import { athenaTypeName, type AthenaType } from './athena-types'
import { ContractViolationError } from '../errors'
import { INVALID, type CellValue, type ValueParser } from './value-codecs'
import { holds, widenType } from './type-widening'

/**
 * The type a file writes for a contract column declared `declared` that the table already
 * has as `table` (a contract added or changed after loads): the table's type when it holds
 * the declared one (a contract `int` into a `bigint` column writes bigint), else their
 * widening (the table widens to it). A real conflict fails the file, naming the column, both
 * types and the command that rebuilds the dataset under the contract.
 */
export function contractWriteType(column: string, declared: AthenaType, table: AthenaType | undefined, dataset: string, sourceName: string): AthenaType {
  if (!table) return declared
  if (holds(table, declared)) return table
  const widened = widenType(table, declared)
  if (widened) return widened
  throw new ContractViolationError(
    `contract: column ${column} is declared ${athenaTypeName(declared)} but the table ${dataset} holds it as ${athenaTypeName(table)}, ` +
      `and no type holds both; ${sourceName} was not loaded. Declare ${athenaTypeName(table)} (or a type it widens to), or rebuild the dataset under the contract: sluice reprocess ${dataset}`,
  )
}

const MICROS_PER_DAY = 86_400_000_000

/** 10^n as a bigint. */
const pow10 = (n: number) => 10n ** BigInt(n)

function scaled(value: number | bigint, by: number): number | bigint {
  if (by === 0) return value
  const big = BigInt(value) * pow10(by)
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big
}

/**
 * A value parsed as `from` (a declared type), as the type `to` that holds it: the same
 * number for int into bigint, the unscaled value rescaled for decimals, days as µs for a
 * date into a timestamp.
 */
export function convertValue(value: CellValue, from: AthenaType, to: AthenaType): CellValue {
  if (athenaTypeName(from) === athenaTypeName(to)) return value
  if (to.kind === 'decimal' && (from.kind === 'int' || from.kind === 'bigint' || from.kind === 'decimal')) {
    return scaled(value as number | bigint, to.scale - (from.kind === 'decimal' ? from.scale : 0))
  }
  if (to.kind === 'timestamp' && from.kind === 'date') {
    const micros = (value as number) * MICROS_PER_DAY
    return Number.isSafeInteger(micros) ? micros : BigInt(value as number) * BigInt(MICROS_PER_DAY)
  }
  return value
}

/** A parser that validates by the declared type and gives the value as the written type. */
export function declaredParser(parse: ValueParser, declared: AthenaType, written: AthenaType): ValueParser {
  if (athenaTypeName(declared) === athenaTypeName(written)) return parse
  return (text) => {
    const value = parse(text)
    return value === INVALID ? INVALID : convertValue(value, declared, written)
  }
}
