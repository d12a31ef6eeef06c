import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { parse } from 'csv-parse'
import type { ConversionOutput } from '../bench-types'

// amount is DOUBLE because parquetjs-lite has no convenient DECIMAL; columns use the
// library's default (no compression), as a straightforward port would.
const SCHEMA = {
  order_id: { type: 'INT64' },
  customer: { type: 'UTF8' },
  city: { type: 'UTF8' },
  ordered_at: { type: 'TIMESTAMP_MILLIS' },
  ship_date: { type: 'DATE' },
  amount: { type: 'DOUBLE' },
  quantity: { type: 'INT32' },
  paid: { type: 'BOOLEAN' },
  status: { type: 'UTF8' },
  note: { type: 'UTF8', optional: true },
} as const

/** Empty and literal `NULL` notes are missing values, not text. */
const nullable = (s: string) => (s === '' || s === 'NULL' ? null : s)

/**
 * The design baseline: csv-parse with `columns: true` feeding parquetjs-lite one row at a time,
 * with the column types written out by hand for the bench file.
 */
export async function convertWithParquetjsLite(csv: string, out: string): Promise<ConversionOutput> {
  // Loaded here, not at the top: the bench bundle keeps it external (see duckdb.ts).
  const parquet = (await import('parquetjs-lite')).default
  const writer = await parquet.ParquetWriter.openFile(new parquet.ParquetSchema(SCHEMA), out)
  let rows = 0
  const records = createReadStream(csv).pipe(parse({ columns: true }))
  for await (const r of records as AsyncIterable<Record<string, string>>) {
    await writer.appendRow({
      order_id: Number(r.order_id),
      customer: r.customer,
      city: r.city,
      ordered_at: new Date(r.ordered_at),
      // A bare ISO date parses as UTC midnight, so the day count is exact.
      ship_date: new Date(r.ship_date),
      amount: Number(r.amount),
      quantity: Number(r.quantity),
      paid: r.paid === 'true',
      status: r.status,
      note: nullable(r.note),
    })
    rows++
  }
  await writer.close()
  return { parquetBytes: (await stat(out)).size, rowsOut: rows, parts: 1 }
}
