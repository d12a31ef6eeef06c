import { stat } from 'node:fs/promises'
import { DuckDBInstance } from '@duckdb/node-api'
import type { ConversionOutput } from '../bench-types'

/** SQL string literal: DuckDB escapes a single quote by doubling it. */
const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`

/**
 * Converts with DuckDB's own CSV sniffer and Parquet writer (its defaults: type inference,
 * Snappy, every core). This is the yardstick the acceptance targets are relative to.
 */
export async function convertWithDuckdb(csv: string, out: string): Promise<ConversionOutput> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const result = await connection.run(
      `COPY (SELECT * FROM read_csv(${sqlString(csv)})) TO ${sqlString(out)} (FORMAT parquet)`,
    )
    return { parquetBytes: (await stat(out)).size, rowsOut: result.rowsChanged, parts: 1 }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}
