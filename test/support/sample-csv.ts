import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { SAMPLE_DATA } from './e2e-lake'

/**
 * The rows of a CSV text as header → value records, keeping only records with the header's
 * field count: the simple rule the lake applies when no contract says more.
 */
export function csvRows(text: string, delimiter: string): Record<string, string>[] {
  const records = parse(text, { delimiter, bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][]
  const [header, ...rows] = records
  return rows.filter((r) => r.length === header.length).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])))
}

/** The rows of a sample file (gunzipped when it ends in .gz). */
export function sampleRows(key: string, delimiter: string): Record<string, string>[] {
  const bytes = readFileSync(join(SAMPLE_DATA, key))
  return csvRows((key.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'), delimiter)
}

/** Exact sum of plain decimal texts at `scale` fraction digits, as DuckDB prints a DECIMAL. */
export function sumDecimal(values: string[], scale: number): string {
  const unit = 10n ** BigInt(scale)
  let total = 0n
  for (const v of values) {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(v.trim())
    if (!m) throw new Error(`sumDecimal: not a plain decimal: ${JSON.stringify(v)}`)
    const fraction = (m[3] ?? '').padEnd(scale, '0')
    if (fraction.length > scale) throw new Error(`sumDecimal: ${v} has more than ${scale} fraction digits`)
    const scaled = BigInt(m[2]) * unit + BigInt(fraction || '0')
    total += m[1] ? -scaled : scaled
  }
  const sign = total < 0n ? '-' : ''
  const abs = total < 0n ? -total : total
  return scale === 0 ? `${sign}${abs}` : `${sign}${abs / unit}.${String(abs % unit).padStart(scale, '0')}`
}

/** Whether `DD/MM/YYYY` names a day that exists. */
export function isRealDayFirstDate(text: string): boolean {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text)
  if (!m) return false
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/** Whether a field reads as null without a contract: empty, or one of the default null tokens. */
export function isNullText(text: string): boolean {
  return ['', 'NULL', 'null', 'NA', 'N/A', '\\N'].includes(text.trim())
}
