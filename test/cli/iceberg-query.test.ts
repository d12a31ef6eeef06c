import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { access, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { realCatalog } from '../../functions/adapters/table-format-catalog'
import { localLake } from '../../cli/local/local-lake'
import { openLakeQuery } from '../../cli/query/lake-query'
import { partitionFiles } from '../../cli/query/partition-files'
import { UsageError } from '../../cli/usage-error'
import { s3ObjectStore } from '../../functions/adapters/s3-object-store'
import { commitTableChange, currentTableFiles, readPointer, swapMetadataLocation, type IcebergTableSpec, type IcebergTarget } from '../../functions/adapters/iceberg-commit'
import { readTableMetadata, writeBytes } from '../../functions/adapters/iceberg-files'
import { keyOfLocation } from '../../functions/adapters/zone-locations'
import { parquetPartition, parquetTable } from '../../functions/core/lake/catalog'
import { withSchema } from '../../functions/core/table-format/iceberg/table-metadata'
import { SnapshotNotFoundError } from '../../functions/core/table-format/iceberg/time-travel'
import { closeDuckDb } from '../support/duckdb-parquet'
import { icebirdRows, writeDataFile } from '../support/iceberg-lake'
import { startS3rver, type LocalS3 } from '../support/s3rver'

const ORDERS: IcebergTableSpec = { name: 'orders', prefix: 'orders/', columns: [{ name: 'id', type: { kind: 'int' } }, { name: 'item', type: { kind: 'string' } }] }
type Row = { id: number; item: string; ingest_date?: string }

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-iceberg-query-'))
})

afterAll(async () => {
  await closeDuckDb()
  await rm(dir, { recursive: true, force: true })
})

/** A local lake (curated zone and JSON catalog) with Iceberg tables committed into it directly. */
function lake(name: string) {
  const deps = localLake(join(dir, name))
  const target: IcebergTarget = { store: deps.curated, catalog: deps.catalog, database: deps.database }
  const files = partitionFiles({}, join(deps.root, '.cache'))
  return { deps, target, files }
}

const values = (rows: [number, string][]) => `SELECT * FROM (VALUES ${rows.map(([id, item]) => `(${id}::INTEGER, '${item}')`).join(', ')}) v(id, item)`

/** The rows `sluice query` gives for the SQL. */
async function query(l: ReturnType<typeof lake>, sql: string, asOf?: Date | number): Promise<Record<string, unknown>[]> {
  const q = await openLakeQuery(l.deps.catalog, l.deps.database, l.files, asOf === undefined ? {} : { asOf })
  try {
    return (await q.query(sql)).rows
  } finally {
    q.close()
  }
}

/** The view's rows, after checking that icebird reads the same data columns from the table. */
async function viewAgreeingWithIcebird(l: ReturnType<typeof lake>): Promise<Row[]> {
  const rows = (await query(l, 'SELECT id, item, ingest_date FROM orders ORDER BY id')) as Row[]
  const { metadata } = (await currentTableFiles(l.target, 'orders'))!
  const icebird = (await icebirdRows(metadata)).map((r) => ({ id: Number(r.id), item: r.item })).sort((a, b) => a.id - b.id)
  expect(rows.map(({ id, item }) => ({ id, item }))).toEqual(icebird)
  return rows
}

describe('local queries of an Iceberg table', () => {
  it('read the current snapshot\'s data files only, equal to icebird, after an append, a replacement and a retraction', async () => {
    const l = lake('snapshots')
    const a1 = await writeDataFile(l.deps.curated, ORDERS, { source: 'aaaa', publish: 'p1', date: '2024-07-01', select: values([[1, 'apple'], [2, 'pear']]) })
    const b1 = await writeDataFile(l.deps.curated, ORDERS, { source: 'bbbb', publish: 'p1', date: '2024-07-02', select: values([[3, 'plum']]) })
    await commitTableChange(l.target, ORDERS, { sources: [{ source: 'aaaa', files: [a1] }, { source: 'bbbb', files: [b1] }] }, new Date('2024-07-02T06:00:00Z'))
    expect(await viewAgreeingWithIcebird(l)).toEqual([{ id: 1, item: 'apple', ingest_date: '2024-07-01' }, { id: 2, item: 'pear', ingest_date: '2024-07-01' }, { id: 3, item: 'plum', ingest_date: '2024-07-02' }])

    const a2 = await writeDataFile(l.deps.curated, ORDERS, { source: 'aaaa', publish: 'p2', date: '2024-07-02', select: values([[4, 'quince']]) })
    await commitTableChange(l.target, ORDERS, { sources: [{ source: 'aaaa', files: [a2] }] }, new Date('2024-07-02T07:00:00Z'))
    // Neither the replaced file, still on disk for the retention, nor a part no snapshot holds is read.
    await access(fileURLToPath(a1.path))
    await writeDataFile(l.deps.curated, ORDERS, { source: 'cccc', publish: 'p1', date: '2024-07-02', select: values([[9, 'stray']]) })
    expect(await viewAgreeingWithIcebird(l)).toEqual([{ id: 3, item: 'plum', ingest_date: '2024-07-02' }, { id: 4, item: 'quince', ingest_date: '2024-07-02' }])

    await commitTableChange(l.target, ORDERS, { sources: [{ source: 'bbbb', files: [] }] }, new Date('2024-07-02T08:00:00Z'))
    expect(await viewAgreeingWithIcebird(l)).toEqual([{ id: 4, item: 'quince', ingest_date: '2024-07-02' }])
    expect(await query(l, `SELECT typeof(id) AS id, typeof(item) AS item, typeof(ingest_date) AS ingest_date FROM orders LIMIT 1`)).toEqual([{ id: 'INTEGER', item: 'VARCHAR', ingest_date: 'DATE' }])
  })

  it('reads a file written before a rename under the new name, through the name mapping', async () => {
    const l = lake('rename')
    const old = await writeDataFile(l.deps.curated, ORDERS, { source: 'aaaa', publish: 'p1', date: '2024-07-01', select: values([[1, 'apple']]) })
    await commitTableChange(l.target, ORDERS, { sources: [{ source: 'aaaa', files: [old] }] }, new Date('2024-07-01T06:00:00Z'))
    // The rename, as metadata only: field `item` keeps its id under the name `product`.
    const { read, location } = await readPointer(l.target, 'orders')
    const metadata = await readTableMetadata(l.target.store, location!)
    const schema = metadata.schemas.at(-1)!
    const renamed = { ...schema, 'schema-id': schema['schema-id'] + 1, fields: schema.fields.map((f) => (f.name === 'item' ? { ...f, name: 'product' } : f)) }
    const next = withSchema(metadata, renamed, metadata['last-column-id'])
    const key = 'orders/metadata/renamed.metadata.json'
    await writeBytes(l.target.store, key, new TextEncoder().encode(JSON.stringify(next)))
    await swapMetadataLocation(l.target, ORDERS, next, read, l.target.store.location(key))
    const RENAMED = { ...ORDERS, columns: [ORDERS.columns[0]!, { name: 'product', type: { kind: 'string' as const } }] }
    const fresh = await writeDataFile(l.deps.curated, RENAMED, { source: 'bbbb', publish: 'p1', date: '2024-07-02', select: `SELECT 2::INTEGER AS id, 'pear' AS product` })
    await commitTableChange(l.target, RENAMED, { sources: [{ source: 'bbbb', files: [fresh] }] }, new Date('2024-07-02T06:00:00Z'))

    const rows = await query(l, 'SELECT * FROM orders ORDER BY id')

    expect(rows).toEqual([{ ingest_date: '2024-07-01', id: 1, product: 'apple' }, { ingest_date: '2024-07-02', id: 2, product: 'pear' }])
  })

  it('reads an int file in a column promoted to bigint as bigint', async () => {
    const l = lake('promotion')
    const narrow = await writeDataFile(l.deps.curated, ORDERS, { source: 'aaaa', publish: 'p1', date: '2024-07-01', select: values([[1, 'apple']]) })
    await commitTableChange(l.target, ORDERS, { sources: [{ source: 'aaaa', files: [narrow] }] }, new Date('2024-07-01T06:00:00Z'))
    const WIDE = { ...ORDERS, columns: [{ name: 'id', type: { kind: 'bigint' as const } }, ORDERS.columns[1]!] }
    const wide = await writeDataFile(l.deps.curated, WIDE, { source: 'bbbb', publish: 'p1', date: '2024-07-01', select: `SELECT 9007199254740993::BIGINT AS id, 'pear' AS item` })
    await commitTableChange(l.target, WIDE, { sources: [{ source: 'bbbb', files: [wide] }] }, new Date('2024-07-01T07:00:00Z'))

    const rows = await query(l, 'SELECT typeof(id) AS type, id::VARCHAR AS id FROM orders ORDER BY id')

    expect(rows).toEqual([{ type: 'BIGINT', id: '1' }, { type: 'BIGINT', id: '9007199254740993' }])
  })

  it('keeps Hive tables as they were, beside Iceberg ones', async () => {
    const l = lake('mixed')
    const a = await writeDataFile(l.deps.curated, ORDERS, { source: 'aaaa', publish: 'p1', date: '2024-07-01', select: values([[1, 'apple']]) })
    await commitTableChange(l.target, ORDERS, { sources: [{ source: 'aaaa', files: [a] }] }, new Date('2024-07-01T06:00:00Z'))
    const hive = parquetTable('customers', [{ Name: 'id', Type: 'int' }, { Name: 'item', Type: 'string' }], [{ Name: 'ingest_date', Type: 'date' }], l.deps.curated.location('customers/'))
    // A Hive table beside the Iceberg one: made in the catalog itself, as a lake made before Iceberg tables has them.
    await realCatalog(l.deps.catalog).createTable('sluice', hive)
    await writeDataFile(l.deps.curated, { name: 'customers', columns: ORDERS.columns }, { source: 'cccc', publish: 'p1', date: '2024-07-03', select: values([[7, 'ann']]) })
    await l.deps.catalog.addPartitions('sluice', 'customers', [parquetPartition(hive, ['2024-07-03'], l.deps.curated.location('customers/ingest_date=2024-07-03/'))])

    const rows = await query(l, `SELECT 'orders' AS t, * FROM orders UNION ALL BY NAME SELECT 'customers' AS t, * FROM sluice.customers ORDER BY t`)

    expect(rows).toEqual([{ t: 'customers', ingest_date: '2024-07-03', id: 7, item: 'ann' }, { t: 'orders', ingest_date: '2024-07-01', id: 1, item: 'apple' }])
  })
})

describe('queries --as-of', () => {
  it('read every Iceberg table as of an earlier time or snapshot id, and refuse Hive tables', async () => {
    const l = lake('as-of')
    const first = await commitTableChange(l.target, ORDERS, { sources: [{ source: 'aaaa', files: [await writeDataFile(l.deps.curated, ORDERS, { source: 'aaaa', publish: 'p1', date: '2024-07-01', select: values([[1, 'apple'], [2, 'pear']]) })] }] }, new Date('2024-07-01T06:00:00Z'))
    await commitTableChange(l.target, ORDERS, { sources: [{ source: 'aaaa', files: [await writeDataFile(l.deps.curated, ORDERS, { source: 'aaaa', publish: 'p2', date: '2024-07-02', select: values([[3, 'plum']]) })] }] }, new Date('2024-07-02T06:00:00Z'))
    await realCatalog(l.deps.catalog).createTable('sluice', parquetTable('customers', [{ Name: 'id', Type: 'int' }], [{ Name: 'ingest_date', Type: 'date' }], l.deps.curated.location('customers/')))

    expect(await query(l, 'SELECT id, item FROM orders ORDER BY id', new Date('2024-07-01T12:00:00Z'))).toEqual([{ id: 1, item: 'apple' }, { id: 2, item: 'pear' }])
    expect(await query(l, 'SELECT id, item FROM orders ORDER BY id', first.snapshotId)).toEqual([{ id: 1, item: 'apple' }, { id: 2, item: 'pear' }])
    expect(await query(l, 'SELECT id, item FROM orders ORDER BY id')).toEqual([{ id: 3, item: 'plum' }])
    const hive = query(l, 'SELECT * FROM customers', first.snapshotId)
    await expect(hive).rejects.toThrow(UsageError)
    await expect(hive).rejects.toThrow('query: customers is a Hive table; --as-of reads Iceberg tables only')
    await expect(query(l, 'SELECT * FROM orders', new Date('2024-06-30T00:00:00Z'))).rejects.toThrow(SnapshotNotFoundError)
    await expect(query(l, 'SELECT * FROM orders', new Date('2024-06-30T00:00:00Z'))).rejects.toThrow(/^iceberg: orders has no snapshot as of 2024-06-30T00:00:00.000Z; its earliest retained snapshot is \d+ at 2024-07-01T06:00:00.000Z$/)
    await expect(query(l, 'SELECT * FROM orders', 12345)).rejects.toThrow(/^iceberg: orders has no snapshot 12345; its earliest retained snapshot is \d+ at 2024-07-01T06:00:00.000Z$/)
  })

  it('leave out a table with no snapshot as of then, so a query of the others reads, and a query of it says why', async () => {
    const l = lake('as-of-later-table')
    const RETURNS = { ...ORDERS, name: 'returns', prefix: 'returns/' }
    await commitTableChange(l.target, ORDERS, { sources: [{ source: 'aaaa', files: [await writeDataFile(l.deps.curated, ORDERS, { source: 'aaaa', publish: 'p1', date: '2024-07-01', select: values([[1, 'apple']]) })] }] }, new Date('2024-07-01T06:00:00Z'))
    await commitTableChange(l.target, RETURNS, { sources: [{ source: 'bbbb', files: [await writeDataFile(l.deps.curated, RETURNS, { source: 'bbbb', publish: 'p1', date: '2024-07-03', select: values([[9, 'fig']]) })] }] }, new Date('2024-07-03T06:00:00Z'))

    expect(await query(l, 'SELECT id, item FROM orders', new Date('2024-07-02T00:00:00Z'))).toEqual([{ id: 1, item: 'apple' }])
    await expect(query(l, 'SELECT * FROM returns', new Date('2024-07-02T00:00:00Z'))).rejects.toThrow(/^iceberg: returns has no snapshot as of 2024-07-02T00:00:00.000Z; its earliest retained snapshot is \d+ at 2024-07-03T06:00:00.000Z$/)
  })
})

describe('local queries of an Iceberg table on S3', () => {
  let s3: LocalS3

  beforeAll(async () => {
    s3 = await startS3rver(['curated'])
  })

  afterAll(async () => {
    await s3?.stop()
  })

  it('fetch the snapshot\'s data files into the cache, not the folder', async () => {
    const local = localLake(join(dir, 's3'))
    const curated = s3ObjectStore(s3.client, 'curated')
    const target: IcebergTarget = { store: curated, catalog: local.catalog, database: local.database }
    const old = await writeDataFile(curated, ORDERS, { source: 'aaaa', publish: 'p1', date: '2024-07-01', select: values([[1, 'apple']]) })
    await commitTableChange(target, ORDERS, { sources: [{ source: 'aaaa', files: [old] }] }, new Date('2024-07-01T06:00:00Z'))
    const fresh = await writeDataFile(curated, ORDERS, { source: 'aaaa', publish: 'p2', date: '2024-07-01', select: values([[2, 'pear']]) })
    await commitTableChange(target, ORDERS, { sources: [{ source: 'aaaa', files: [fresh] }] }, new Date('2024-07-01T07:00:00Z'))
    const cache = join(local.root, '.cache')
    const q = await openLakeQuery(local.catalog, local.database, partitionFiles({ curated }, cache))

    const rows = (await q.query('SELECT id, item, ingest_date FROM orders')).rows
    q.close()

    expect(rows).toEqual([{ id: 2, item: 'pear', ingest_date: '2024-07-01' }])
    const folder = join(cache, 'curated', 'orders', 'ingest_date=2024-07-01')
    expect((await readdir(folder)).filter((n) => n.endsWith('.parquet'))).toEqual([keyOfLocation(curated, fresh.path).split('/').at(-1)])
  })
})
