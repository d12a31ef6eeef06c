import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { RowStream } from '../query/row-stream'
import { formatTable } from '../format-table'
import { csvLine } from './csv-text'
import type { OutputFormat } from './output-format'

export interface WriteRowsOptions {
  /** Table output shows at most this many rows, then says how many there were. */
  maxRows: number
  /** Table output fits this many terminal columns. */
  width?: number
}

/**
 * Writes a query's rows as they arrive. csv, json and jsonl hold one batch at a time and wait
 * for `out` to drain when it is full, so any size streams in constant memory; a table keeps
 * the rows it shows and counts the rest (with the stream's count when it has one). Returns the
 * number of rows.
 */
export async function writeRows(out: Writable, stream: RowStream, format: OutputFormat, options: WriteRowsOptions): Promise<number> {
  const { columns } = stream
  const asObject = (values: unknown[]) => Object.fromEntries(columns.map((c, i) => [c, values[i]]))
  let count = 0
  if (format === 'table') {
    const shown: Record<string, unknown>[] = []
    const batches = stream.batches[Symbol.asyncIterator]()
    let next = await batches.next()
    for (; !next.done && shown.length < options.maxRows; next = await batches.next()) {
      for (const values of next.value.rows().slice(0, options.maxRows - shown.length)) shown.push(asObject(values))
      count += next.value.size
    }
    if (!next.done) {
      const total = await stream.count?.()
      if (total !== undefined) count = total
      else for (; !next.done; next = await batches.next()) count += next.value.size
    }
    const note = count > shown.length ? `(${shown.length} of ${count} rows shown; --output csv, json or jsonl prints every row)\n` : ''
    await write(out, formatTable(columns, shown, { width: options.width }) + note)
    return count
  }
  if (format === 'csv') await write(out, csvLine(columns))
  if (format === 'json') await write(out, '[')
  for await (const batch of stream.batches) {
    const rows = batch.rows()
    let text: string
    if (format === 'csv') text = rows.map(csvLine).join('')
    else if (format === 'jsonl') text = rows.map((r) => `${JSON.stringify(asObject(r))}\n`).join('')
    else text = rows.map((r, i) => `${count + i > 0 ? ',' : ''}${JSON.stringify(asObject(r))}`).join('')
    count += rows.length
    await write(out, text)
  }
  if (format === 'json') await write(out, ']\n')
  return count
}

/** Writes, then waits for `out` to drain when its buffer is full (or fails with its error). */
async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain')
}
