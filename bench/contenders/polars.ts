import { stat } from 'node:fs/promises'
import type { ConversionOutput } from '../bench-types'

/**
 * Converts with Polars (nodejs-polars): `readCSV` with its own type inference, then
 * `writeParquet` with Snappy. The native binding for linux-x64 is an optional dependency
 * that installs on Node 22 or later only; without it this contender reports itself missing.
 */
export async function convertWithPolars(csv: string, out: string): Promise<ConversionOutput> {
  const pl = (await import('nodejs-polars')).default
  const df = pl.readCSV(csv)
  df.writeParquet(out, { compression: 'snappy' })
  return { parquetBytes: (await stat(out)).size, rowsOut: df.height, parts: 1 }
}
