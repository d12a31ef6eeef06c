// DuckDB converting CSV files one by one in one process, as a user scripting it would:
// `node bench/duckdb-one-by-one.mjs <raw folder of dataset folders> <output folder>`.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

const [raw, out] = process.argv.slice(2)
const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
const literal = (s) => `'${s.replace(/'/g, "''")}'`
let converted = 0
for (const dataset of (await readdir(raw)).sort()) {
  for (const file of (await readdir(join(raw, dataset))).sort()) {
    const target = join(out, `${dataset}-${file}.parquet`)
    await connection.run(`COPY (SELECT * FROM read_csv(${literal(join(raw, dataset, file))})) TO ${literal(target)} (FORMAT parquet)`)
    converted++
  }
}
connection.closeSync()
instance.closeSync()
if (converted === 0) process.exit(1)
