import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { DuckDBInstance } from '@duckdb/node-api'
import { localLake } from '../cli/local/local-lake'
import { openLakeQuery } from '../cli/query/lake-query'
import { partitionFiles } from '../cli/query/partition-files'
import { commitTableChange, currentTableFiles, readPointer, swapMetadataLocation, type IcebergTableSpec } from '../functions/adapters/iceberg-commit'
import { readTableMetadata } from '../functions/adapters/iceberg-files'
import { evolveSchema } from '../functions/core/table-format/iceberg/iceberg-schema'
import { partitionSpec } from '../functions/core/table-format/iceberg/partition-spec'
import { partDataFile } from '../functions/core/table-format/iceberg/part-data-file'
import { withSchema } from '../functions/core/table-format/iceberg/table-metadata'

const USAGE = `Usage: npx tsx bench/iceberg-view.ts [-- options]

How a local query reads an Iceberg table of many data files, half of them written before a
column was renamed (the name mapping gives the column both names). Compares the view
\`sluice query\` builds (one read_parquet over the file list, union by name, the renamed column
as COALESCE over its names, partition values joined by file name) with a per-file projection
(one read_parquet per file selecting that file's names, UNION ALL), on the same files: the time
to open the lake (views made) and to run a full scan.

Options:
  --files N    data files of the table (default 2000)
  --rows N     rows per file (default 100)
  --help       show this help`

const { values: flags } = parseArgs({ options: { files: { type: 'string', default: '2000' }, rows: { type: 'string', default: '100' }, help: { type: 'boolean' } } })
if (flags.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
const FILES = Number(flags.files)
const ROWS = Number(flags.rows)
const SCAN = 'SELECT count(*) AS n, count(product) AS named, sum(id) AS ids, count(DISTINCT ingest_date) AS days FROM orders'

const ms = (start: bigint) => Number((process.hrtime.bigint() - start) / 1_000_000n)

const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-iceberg-'))
try {
  const deps = localLake(join(dir, 'lake'))
  const target = { store: deps.curated, catalog: deps.catalog, database: deps.database }
  const spec: IcebergTableSpec = { name: 'orders', prefix: 'orders/', columns: [{ name: 'id', type: { kind: 'bigint' } }, { name: 'item', type: { kind: 'string' } }] }
  const duck = await (await DuckDBInstance.create(':memory:')).connect()
  const { schema } = evolveSchema(undefined, spec.columns, 0)
  const write = async (i: number, column: string) => {
    const key = `orders/ingest_date=2024-07-${String((i % 28) + 1).padStart(2, '0')}/s${String(i).padStart(6, '0')}-p1-00000.parquet`
    const path = fileURLToPath(deps.curated.location(key))
    await mkdir(dirname(path), { recursive: true })
    await duck.run(`COPY (SELECT (${i * ROWS} + range)::BIGINT AS id, 'item ' || range AS ${column} FROM range(${ROWS})) TO '${path}' (FORMAT parquet)`)
    return partDataFile({ key, location: deps.curated.location(key), rows: ROWS, bytes: (await stat(path)).size }, partitionSpec(schema), schema)
  }
  const before = []
  for (let i = 0; i < FILES / 2; i++) before.push(await write(i, 'item'))
  await commitTableChange(target, spec, { sources: before.map((f) => ({ source: f.source, files: [f] })) }, new Date('2024-07-01T06:00:00Z'))
  const { read, location } = await readPointer(target, 'orders')
  const metadata = await readTableMetadata(deps.curated, location!)
  const current = metadata.schemas.at(-1)!
  const next = withSchema(metadata, { ...current, 'schema-id': current['schema-id'] + 1, fields: current.fields.map((f) => (f.name === 'item' ? { ...f, name: 'product' } : f)) }, metadata['last-column-id'])
  await deps.curated.writeText('orders/metadata/renamed.metadata.json', JSON.stringify(next))
  await swapMetadataLocation(target, spec, next, read, deps.curated.location('orders/metadata/renamed.metadata.json'))
  const renamed = { ...spec, columns: [spec.columns[0]!, { name: 'product', type: { kind: 'string' as const } }] }
  const after = []
  for (let i = FILES / 2; i < FILES; i++) after.push(await write(i, 'product'))
  await commitTableChange(target, renamed, { sources: after.map((f) => ({ source: f.source, files: [f] })) }, new Date('2024-07-02T06:00:00Z'))

  // The view sluice query builds.
  let start = process.hrtime.bigint()
  const lake = await openLakeQuery(deps.catalog, deps.database, partitionFiles({}, join(deps.root, '.cache')))
  const openView = ms(start)
  start = process.hrtime.bigint()
  const viewRows = (await lake.query(SCAN)).rows
  const scanView = ms(start)
  lake.close()

  // Per-file projection over the same files: each file's own names, from one schema read of all.
  const { files } = (await currentTableFiles(target, 'orders'))!
  const paths = files.map((f) => fileURLToPath(f.path))
  start = process.hrtime.bigint()
  const names = new Map<string, Set<string>>()
  for (const r of (await duck.runAndReadAll(`SELECT file_name, name FROM parquet_schema([${paths.map((p) => `'${p}'`).join(', ')}])`)).getRowObjectsJson()) {
    names.set(String(r['file_name']), new Set([...(names.get(String(r['file_name'])) ?? []), String(r['name'])]))
  }
  const branches = files.map((f, i) => {
    const has = names.get(paths[i]!)!
    return `SELECT CAST(id AS BIGINT) AS id, CAST(${has.has('product') ? 'product' : 'item'} AS VARCHAR) AS product, DATE '${new Date(Number(f.partition['ingest_date']) * 86_400_000).toISOString().slice(0, 10)}' AS ingest_date FROM read_parquet('${paths[i]}')`
  })
  await duck.run(`CREATE VIEW orders AS ${branches.join('\nUNION ALL\n')}`)
  const openPerFile = ms(start)
  start = process.hrtime.bigint()
  const perFileRows = (await duck.runAndReadAll(SCAN)).getRowObjectsJson()
  const scanPerFile = ms(start)

  process.stdout.write(`${FILES} data files of ${ROWS} rows, ${FILES / 2} written before the rename\n`)
  process.stdout.write(`view (union by name, COALESCE):   open ${openView} ms, scan ${scanView} ms  ${JSON.stringify(viewRows[0])}\n`)
  process.stdout.write(`per-file projection (UNION ALL):  open ${openPerFile} ms, scan ${scanPerFile} ms  ${JSON.stringify(perFileRows[0])}\n`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
