import { classifyValue, ColumnTypeAccumulator, fitsInferredType } from './infer-column-type'

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
    if (!fitsInferredType(type, cell)) return 'header'
    looksLikeData = true
  }
  return looksLikeData ? 'data' : 'none'
}
