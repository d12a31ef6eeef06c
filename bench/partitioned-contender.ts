import { readdir, stat } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import { basename, join } from 'node:path'
import { fileByteSource, localFilePartSink } from '../functions/adapters/local-file'
import { parseContract } from '../functions/core/schema/contract'
import { transformCsv } from '../functions/core/transform/transform-csv'
import { BENCH_MEMORY_BUDGET_MB, type ContenderResult, type ConversionOutput } from './bench-types'

/** The contenders of `npm run bench:partitioned`, in the order they run. */
export const PARTITIONED_CONTENDERS = ['duckdb', 'sluice'] as const
export type PartitionedContender = (typeof PARTITIONED_CONTENDERS)[number]

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`
const sqlName = (s: string) => `"${s.replace(/"/g, '""')}"`

/** Bytes and files of Parquet under `dir`, at any depth. */
async function parquetFiles(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0
  let files = 0
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.parquet') || entry.name.includes('rejects')) continue
    bytes += (await stat(join(entry.parentPath, entry.name))).size
    files += 1
  }
  return { bytes, files }
}

type Convert = (csv: string, out: string, column: string, type: string) => Promise<ConversionOutput>

/**
 * DuckDB's `COPY … TO <folder> (FORMAT parquet, PARTITION_BY (column))`: its sniffer, Snappy,
 * every core. Its native module is loaded before the clock starts, as in `bench/contender.ts`.
 */
async function duckdbConverter(): Promise<Convert> {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  return (csv, out, column) => duckdb(DuckDBInstance, csv, out, column)
}

async function duckdb(DuckDBInstance: typeof import('@duckdb/node-api').DuckDBInstance, csv: string, out: string, column: string): Promise<ConversionOutput> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const result = await connection.run(`COPY (SELECT * FROM read_csv(${sqlString(csv)})) TO ${sqlString(out)} (FORMAT parquet, PARTITION_BY (${sqlName(column)}))`)
    const { bytes, files } = await parquetFiles(out)
    return { parquetBytes: bytes, rowsOut: result.rowsChanged, parts: files }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/**
 * sluice's `transformCsv` with a contract that declares the partition column (the others
 * inferred), the lineage columns and the bench's memory budget, as `bench/contenders/sluice.ts`.
 */
async function sluice(csv: string, out: string, column: string, type: string): Promise<ConversionOutput> {
  const contract = parseContract({ partitionBy: column, columns: [{ name: column, type }] })
  const stats = await transformCsv(fileByteSource(csv), localFilePartSink({ out: join(out, 'data.parquet') }), {
    sourceName: csv,
    lineage: { source: `raw/bench/${basename(csv)}`, runId: randomUUID() },
    memoryBudgetMb: BENCH_MEMORY_BUDGET_MB,
    contract,
  })
  return { parquetBytes: stats.bytesOut, rowsOut: stats.rowsOut, rowsRejected: stats.rowsRejected, parts: stats.parts.length }
}

const round = (x: number, digits: number) => Number(x.toFixed(digits))

/**
 * Child-process entry: `node <bundle> <contender> <csv> <out folder> <column> <type>`; prints one
 * JSON line (ContenderResult), timed as `bench/contender.ts` times the other lines.
 */
async function main(): Promise<void> {
  const [name, csv, out, column, type] = process.argv.slice(2)
  if (!PARTITIONED_CONTENDERS.some((c) => c === name) || !csv || !out || !column || !type) {
    throw new Error(`bench: usage: partitioned-contender.ts <${PARTITIONED_CONTENDERS.join('|')}> <csv> <out folder> <column> <type>`)
  }
  const convert: Convert = name === 'duckdb' ? await duckdbConverter() : sluice
  const started = performance.now()
  const cpu = process.cpuUsage()
  const output = await convert(csv, out, column, type)
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const result: ContenderResult = {
    ...output,
    seconds: round(seconds, 3),
    cpuSeconds: round((used.user + used.system) / 1e6, 3),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
  }
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))
}

if (process.argv[1]?.includes('partitioned-contender')) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err)
    process.exit(1)
  })
}
