/** One CSV field (RFC 4180): NULL is empty, objects are JSON, quoted when it needs quotes. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text
}

/** One CSV record with its line ending (LF, as DuckDB and Athena write theirs). */
export const csvLine = (values: readonly unknown[]): string => `${values.map(csvField).join(',')}\n`

/** A whole CSV text: the header, then one record per row, in the columns' order. */
export function csvText(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  return csvLine(columns) + rows.map((r) => csvLine(columns.map((c) => r[c]))).join('')
}
