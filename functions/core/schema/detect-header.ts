import { classifyValue, ColumnTypeAccumulator } from './infer-column-type'
import type { AthenaType } from './athena-types'

/** Types by family: a number of another width or a date with a time still looks like data. */
const family = (t: AthenaType) =>
  t.kind === 'int' || t.kind === 'bigint' || t.kind === 'decimal' || t.kind === 'double' ? 'number' : t.kind === 'date' || t.kind === 'timestamp' ? 'time' : t.kind

/** Whether a first-row cell keeps the body's type family. */
function fits(type: AthenaType, cell: string): boolean {
  const acc = new ColumnTypeAccumulator(type)
  acc.add(classifyValue(cell))
  return family(acc.type) === family(type)
}

/**
 * Whether the first record of a file is a header, judged as DuckDB's and CleverCSV's sniffers
 * do, from the sample's records (the first one and the body after it):
 * - it is a header when some column whose body has a type other than text (a number, a date,
 *   a boolean) holds, in the first record, a value that does not fit that type (`amount`
 *   over numbers);
 * - it is data when no such column does and at least one of those typed columns holds, in
 *   the first record, a value of its type (`1,AAAAAAAABAAAAAAA,1997-09-03` over rows like it);
 * - otherwise (all text, or no body) it is taken as a header, the common case.
 * Empty cells say nothing either way.
 */
export function detectHeader(records: string[][]): boolean {
  return headerEvidence(records) !== 'data'
}

/**
 * What the sample says about its first record: `header` when a typed column's first value
 * does not fit the type, `data` when typed columns' first values all fit, `none` otherwise.
 */
export function headerEvidence(records: string[][]): 'header' | 'data' | 'none' {
  const [first, ...body] = records
  if (!first || body.length === 0) return 'none'
  let looksLikeData = false
  for (let j = 0; j < first.length; j++) {
    const acc = new ColumnTypeAccumulator()
    let seen = false
    for (const row of body) {
      const text = row[j]?.trim()
      if (!text) continue
      acc.add(classifyValue(text))
      seen = true
    }
    const type = acc.type
    if (!seen || type.kind === 'string') continue
    const cell = first[j].trim()
    if (cell === '') continue
    if (!fits(type, cell)) return 'header'
    looksLikeData = true
  }
  return looksLikeData ? 'data' : 'none'
}
