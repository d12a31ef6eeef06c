/** The CSV dialect of one file. */
export interface Dialect {
  delimiter: string
  quote: '"'
  lineBreak: 'LF' | 'CRLF' | 'CR' | 'none'
}

const CANDIDATES = [',', ';', '\t', '|']
const SAMPLE_RECORDS = 50

/**
 * Guesses the delimiter and line break from the first part of a file (decoded text).
 * The delimiter is a candidate that appears, outside quotes, in the first record, and the
 * same number of times in the most of the first 50 records; ties go to the larger count,
 * then to the order `,` `;` tab `|`. A first record without any is one column.
 * `complete` says the sample is the whole file, so its last record is not cut off.
 */
export function sniffDialect(sample: string, complete: boolean, declaredDelimiter?: string): Dialect {
  const records = splitRecords(sample, complete)
  return {
    delimiter: declaredDelimiter ?? pickDelimiter(records),
    quote: '"',
    lineBreak: detectLineBreak(sample),
  }
}

/** The first line break outside quotes decides. */
function detectLineBreak(sample: string): Dialect['lineBreak'] {
  let quoted = false
  for (let i = 0; i < sample.length; i++) {
    const c = sample[i]
    if (c === '"') quoted = !quoted
    else if (!quoted && c === '\n') return 'LF'
    else if (!quoted && c === '\r') return sample[i + 1] === '\n' ? 'CRLF' : i + 1 < sample.length ? 'CR' : 'LF'
  }
  return 'none'
}

/** Per record, how often each candidate appears outside quotes. */
function splitRecords(sample: string, complete: boolean): Map<string, number>[] {
  const records: Map<string, number>[] = []
  let counts = new Map<string, number>()
  let quoted = false
  let sawContent = false
  for (let i = 0; i < sample.length && records.length < SAMPLE_RECORDS; i++) {
    const c = sample[i]
    if (c === '"') {
      quoted = !quoted
      sawContent = true
    } else if (!quoted && (c === '\n' || c === '\r')) {
      if (c === '\r' && sample[i + 1] === '\n') i += 1
      if (sawContent) records.push(counts)
      counts = new Map()
      sawContent = false
    } else {
      sawContent = true
      if (!quoted && CANDIDATES.includes(c)) counts.set(c, (counts.get(c) ?? 0) + 1)
    }
  }
  if (complete && sawContent && records.length < SAMPLE_RECORDS) records.push(counts)
  if (records.length === 0 && sawContent) records.push(counts)
  return records
}

/**
 * The delimiter must appear in the first record (the header), and the candidate whose count
 * there is repeated by the most records wins; ties go to the larger count. A first record
 * without any candidate means one column.
 */
function pickDelimiter(records: Map<string, number>[]): string {
  const first = records[0]
  let best: { delimiter: string; agree: number; count: number } | undefined
  for (const candidate of CANDIDATES) {
    const count = first?.get(candidate) ?? 0
    if (count === 0) continue
    const agree = records.filter((r) => (r.get(candidate) ?? 0) === count).length
    if (!best || agree > best.agree || (agree === best.agree && count > best.count)) best = { delimiter: candidate, agree, count }
  }
  return best?.delimiter ?? ','
}
