import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, mkdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import { localCatalog } from '../../functions/adapters/local-catalog'
import { hiveTableFormat } from '../../functions/adapters/hive-table-format'
import { icebergTableFormat } from '../../functions/adapters/iceberg-table-format'
import { commitTableChange } from '../../functions/adapters/iceberg-commit'
import { parquetPartition, parquetTable } from '../../functions/core/lake/catalog'
import type { TableFormat, TableState } from '../../functions/core/table-format/table-format'
import { evolveSchema } from '../../functions/core/table-format/iceberg/iceberg-schema'
import { partitionSpec, partitionTuple } from '../../functions/core/table-format/iceberg/partition-spec'
import { sourceOfDataFile } from '../../functions/core/table-format/iceberg/data-file-source'
import { TableFormatMismatchError } from '../../functions/core/table-format/iceberg/iceberg-table-input'
import { closeDuckDb, duckQuery, sqlString } from '../support/duckdb-parquet'

const NOW = new Date('2024-07-01T06:00:00Z')
const COLUMNS = [{ name: 'id', type: { kind: 'int' as const } }, { name: 'item', type: { kind: 'string' as const } }]

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-formats-'))
})

afterAll(async () => {
  await closeDuckDb()
  await rm(dir, { recursive: true, force: true })
})

/** Writes a Parquet part with DuckDB under `key` of the zone at `root`. */
async function writePart(root: string, key: string, rows: [number, string][]): Promise<number> {
  const path = join(root, key)
  await mkdir(dirname(path), { recursive: true })
  await duckQuery(`COPY (SELECT * FROM (VALUES ${rows.map(([id, item]) => `(${id}::INTEGER, ${sqlString(item)})`).join(', ')}) v(id, item)) TO ${sqlString(path)} (FORMAT parquet)`)
  return (await stat(path)).size
}

/** The rows a query of the table reads: each file's rows with its partition values. */
async function rowsOf(state: TableState): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = []
  for (const f of state.files) {
    for (const r of await duckQuery(`SELECT id, item FROM read_parquet(${sqlString(fileURLToPath(f.location))}, hive_partitioning = false)`)) rows.push({ ...r, ...f.partition })
  }
  return rows.sort((a, b) => Number(a.id) - Number(b.id))
}

const PARTS: [string, string, [number, string][]][] = [
  ['2024-07-01', 'aaaa', [[1, 'apple'], [2, 'pear']]],
  ['2024-07-02', 'bbbb', [[3, 'plum']]],
]

describe('the table format interface', () => {
  it('reads the same rows, columns and partition values from a Hive and an Iceberg table of the same parts', async () => {
    const root = join(dir, 'same')
    const store = localObjectStore(join(root, 'curated'))
    const catalog = localCatalog(join(root, 'catalog'), root)
    const { schema } = evolveSchema(undefined, COLUMNS, 0)
    const hiveTable = parquetTable('orders', COLUMNS.map((c) => ({ Name: c.name, Type: c.type.kind })), [{ Name: 'ingest_date', Type: 'date' }], store.location('orders/'))
    await catalog.createTable('sluice', hiveTable)
    const files = []
    for (const [date, source, rows] of PARTS) {
      const key = `orders/ingest_date=${date}/${source}-p1-00000.parquet`
      const size = await writePart(join(root, 'curated'), key, rows)
      await catalog.addPartitions('sluice', 'orders', [parquetPartition(hiveTable, [date], store.location(`orders/ingest_date=${date}/`))])
      files.push({ path: store.location(key), source: sourceOfDataFile(key), recordCount: rows.length, sizeBytes: size, partition: partitionTuple(partitionSpec(schema), schema, { ingest_date: date }) })
    }
    const icebergCatalog = localCatalog(join(root, 'iceberg-catalog'), root)
    await commitTableChange({ store, catalog: icebergCatalog, database: 'sluice' }, { name: 'orders', prefix: 'orders/', columns: COLUMNS }, { sources: files.map((f) => ({ source: f.source, files: [f] })) }, NOW)

    const formats: TableFormat[] = [hiveTableFormat({ store, catalog, database: 'sluice' }), icebergTableFormat({ store, catalog: icebergCatalog, database: 'sluice' })]
    const [hive, iceberg] = await Promise.all(formats.map((f) => f.readTable('orders')))
    const expected = [{ id: 1, item: 'apple', ingest_date: '2024-07-01' }, { id: 2, item: 'pear', ingest_date: '2024-07-01' }, { id: 3, item: 'plum', ingest_date: '2024-07-02' }]
    expect(await rowsOf(hive!)).toEqual(expected)
    expect(await rowsOf(iceberg!)).toEqual(expected)
    const columns = (s: TableState) => [...s.columns].sort((a, b) => a.Name.localeCompare(b.Name))
    expect(columns(iceberg!)).toEqual(columns(hive!))
    expect(iceberg!.partitionColumns).toEqual(hive!.partitionColumns)
  })

  it('reads a Hive table as Athena lists it: registered partitions only, no key under a _ or . segment', async () => {
    const root = join(dir, 'hive')
    const store = localObjectStore(join(root, 'curated'))
    const catalog = localCatalog(join(root, 'catalog'), root)
    const table = parquetTable('orders', [{ Name: 'id', Type: 'int' }, { Name: 'item', Type: 'string' }], [{ Name: 'ingest_date', Type: 'date' }], store.location('orders/'))
    await catalog.createTable('sluice', table)
    await writePart(join(root, 'curated'), 'orders/ingest_date=2024-07-01/aaaa-p1-00000.parquet', [[1, 'apple']])
    await writePart(join(root, 'curated'), 'orders/ingest_date=2024-07-01/_tmp/aaaa-p2-00000.parquet', [[2, 'pear']])
    await writePart(join(root, 'curated'), 'orders/ingest_date=2024-07-02/bbbb-p1-00000.parquet', [[3, 'plum']])
    await catalog.addPartitions('sluice', 'orders', [parquetPartition(table, ['2024-07-01'], store.location('orders/ingest_date=2024-07-01/'))])

    const state = await hiveTableFormat({ store, catalog, database: 'sluice' }).readTable('orders')

    expect(await rowsOf(state!)).toEqual([{ id: 1, item: 'apple', ingest_date: '2024-07-01' }])
    expect(await hiveTableFormat({ store, catalog, database: 'sluice' }).readTable('missing')).toBeUndefined()
    await expect(hiveTableFormat({ store, catalog, database: 'sluice' }).readTable('orders', { asOf: new Date() })).rejects.toThrow('hive: orders is a Hive table, which keeps no earlier states; as-of reads Iceberg tables only')
    expect(await icebergTableFormat({ store, catalog, database: 'sluice' }).readTable('missing')).toBeUndefined()
    await expect(commitTableChange({ store, catalog, database: 'sluice' }, { name: 'orders', prefix: 'orders/', columns: COLUMNS }, { sources: [] }, NOW)).rejects.toThrow(TableFormatMismatchError)
  })
})
