import { stat } from 'node:fs/promises'
import type { ConversionOutput } from '../bench-types'

/** SQL string literal: DuckDB escapes a single quote by doubling it. */
const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`

/**
 * Converts with DuckDB's own CSV sniffer and Parquet writer (its defaults: type inference,
 * Snappy, every core). This is the yardstick the acceptance targets are relative to.
 */
export async function convertWithDuckdb(csv: string, out: string): Promise<ConversionOutput> {
  // Loaded here: the bench bundle keeps DuckDB external, and a top-level import would load
  // its native module into every contender's process.
  const { DuckDBInstance } = await import('@duckdb/node-api')
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
