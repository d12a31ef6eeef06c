import { formatTable, terminalWidth } from '../format-table'
import { csvText } from './csv-text'
import type { OutputFormat } from './output-format'

/**
 * Prints a list a command holds in memory: an aligned table fitted to the terminal, CSV with
 * these columns, or JSON (the records as they are, `json` of whatever `value` is given).
 */
export function printRecords(format: OutputFormat, columns: string[], rows: Record<string, unknown>[], json: unknown = rows): void {
  process.stdout.write(render(format, columns, rows, json))
}

/** The text printRecords prints. */
export function render(format: OutputFormat, columns: string[], rows: Record<string, unknown>[], json: unknown = rows): string {
  if (format === 'json') return `${JSON.stringify(json)}\n`
  if (format === 'jsonl') return rows.map((r) => `${JSON.stringify(r)}\n`).join('')
  if (format === 'csv') return csvText(columns, rows)
  return formatTable(columns, rows, { width: terminalWidth() })
}
