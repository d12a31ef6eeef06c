import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { access } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { createLake, START_TIME, type E2ELake, type Row } from '../support/e2e-lake'
import { realCatalog } from '../../functions/adapters/table-format-catalog'
import { metadataLocationOf } from '../../functions/core/table-format/iceberg/iceberg-table-input'
import { currentTableFiles, tableFilesAsOf } from '../../functions/adapters/iceberg-commit'
import { expireDataset } from '../../functions/load/expire-tables'
import { syncIcebergDataset } from '../../functions/load/iceberg-sync'
import { examineDataset } from '../../cli/ops/lake-doctor'
import { retiredPrefix } from '../../functions/core/table-format/iceberg/lake-tables'
import { closeDuckDb, duckQuery, sqlString } from '../support/duckdb-parquet'
import type { DataFile } from '../../functions/core/table-format/iceberg/iceberg-model'

const HEADER = 'order_id,customer_id,ordered_at,status,items,total_eur,note,coupon_code'
const JUNE_FIXED = `${HEADER}\n60000,1001,2024-06-01T10:00:00Z,pending,2,10.50,,\n60001,1002,2024-06-02T10:00:00Z,shipped,3,11.25,,\n`
const LATER = new Date(START_TIME.getTime() + 60_000)

let lakes: E2ELake[] = []
afterEach(async () => {
  for (const l of lakes) await l.dispose()
  lakes = []
})
afterAll(closeDuckDb)

async function lakeOf(tableFormat: 'hive' | 'iceberg'): Promise<E2ELake> {
  const lake = await createLake({ tableFormat })
  lakes.push(lake)
  return lake
}

const target = (lake: E2ELake) => ({ store: lake.deps.curated, catalog: realCatalog(lake.deps.catalog), database: lake.deps.database })

/** The rows of data files, as DuckDB reads them, in one canonical order (lineage run ids aside). */
async function rowsOf(files: DataFile[]): Promise<Row[]> {
  if (files.length === 0) return []
  const paths = files.map((f) => sqlString(fileURLToPath(f.path)))
  return duckQuery(`SELECT COLUMNS(c -> c NOT IN ('_sluice_run_id')) FROM read_parquet([${paths.join(', ')}], union_by_name = true) ORDER BY ALL`)
}

async function currentRows(lake: E2ELake, table: string): Promise<Row[]> {
  return rowsOf((await currentTableFiles(target(lake), table))?.files ?? [])
}

async function hiveRows(lake: E2ELake, table: string): Promise<Row[]> {
  return lake.query(`SELECT COLUMNS(c -> c NOT IN ('_sluice_run_id', 'ingest_date')) FROM "${table}" ORDER BY ALL`)
}

const exists = (path: string) => access(path).then(() => true, () => false)

describe('an Iceberg lake', () => {
  it('holds in each table\'s current snapshot exactly the rows a Hive lake of the same drops holds', async () => {
    const [hive, iceberg] = [await lakeOf('hive'), await lakeOf('iceberg')]
    for (const lake of [hive, iceberg]) {
      const outcome = await lake.run()
      expect(outcome.failure).toBeUndefined()
    }
    const tables = await realCatalog(iceberg.deps.catalog).listTables('sluice')
    expect(tables.map((t) => t.Name).sort()).toEqual((await hive.deps.catalog.listTables('sluice')).map((t) => t.Name).sort())
    let rows = 0
    for (const t of tables) {
      expect(metadataLocationOf(t), t.Name).toBeDefined()
      // The same rows: the Hive table through its partitions, the Iceberg one through its snapshot.
      const mine = await currentRows(iceberg, t.Name)
      expect(mine.length, t.Name).toBe((await hiveRows(hive, t.Name)).length)
      rows += mine.length
    }
    expect(rows).toBeGreaterThan(100)
  })

  it('replaces a changed file and retracts a deleted one in one snapshot each, keeping replaced parts until expiry', async () => {
    const lake = await lakeOf('iceberg')
    await lake.run()
    const first = (await currentTableFiles(target(lake), 'orders'))!
    const before = await rowsOf(first.files)
    await lake.putRaw('orders/orders-2024-06.csv', JUNE_FIXED)
    expect((await lake.run({ trigger: 'schedule' }, { startTime: LATER })).failure).toBeUndefined()
    const second = (await currentTableFiles(target(lake), 'orders'))!
    expect(second.metadata.snapshots.length).toBe(first.metadata.snapshots.length + 1)
    const after = await rowsOf(second.files)
    expect(after.filter((r) => Number(r.order_id) >= 60000).map((r) => Number(r.order_id))).toEqual([60000, 60001])
    expect(after.length).toBe(before.length - 55 + 2)
    // Every part the earlier snapshot read is still there, and a read as of it gives the earlier rows.
    for (const f of first.files) expect(await exists(fileURLToPath(f.path)), f.path).toBe(true)
    const asOf = (await tableFilesAsOf(target(lake), 'orders', first.metadata['current-snapshot-id']!))!
    expect(await rowsOf(asOf.files)).toEqual(before)
    expect(await lake.curatedKeys(retiredPrefix('orders'))).toHaveLength(1)
    // The parts kept for the earlier snapshot are no orphans: doctor leaves them.
    expect((await examineDataset(lake.deps, 'orders')).orphans).toEqual([])

    await lake.deleteRaw('orders/orders-2024-05.csv')
    await lake.run({ trigger: 'schedule' }, { startTime: LATER })
    const third = (await currentTableFiles(target(lake), 'orders'))!
    expect(third.metadata.snapshots.at(-1)!.summary.operation).toBe('delete')
    expect((await rowsOf(third.files)).map((r) => Number(r.order_id))).toEqual([60000, 60001])

    // Within the retention nothing goes; after it, the replaced and retracted parts do.
    const gone = first.files.filter((f) => !third.files.some((t) => t.path === f.path))
    expect(gone.length).toBeGreaterThan(0)
    const soon = await expireDataset(lake.deps, 'orders', new Date(Date.now() + 3_600_000))
    expect(soon.find((e) => e.table === 'orders')).toMatchObject({ expiredSnapshots: 0, deletedFiles: 0 })
    for (const f of gone) expect(await exists(fileURLToPath(f.path))).toBe(true)
    const later = await expireDataset(lake.deps, 'orders', new Date(Date.now() + 25 * 3_600_000))
    expect(later.find((e) => e.table === 'orders')!.expiredSnapshots).toBeGreaterThan(0)
    for (const f of gone) expect(await exists(fileURLToPath(f.path)), f.path).toBe(false)
    for (const f of third.files) expect(await exists(fileURLToPath(f.path)), f.path).toBe(true)
    expect(await rowsOf((await currentTableFiles(target(lake), 'orders'))!.files)).toEqual(await rowsOf(third.files))
    expect(await lake.curatedKeys(retiredPrefix('orders'))).toEqual([])
  })
})

describe('a sync with no data file to change', () => {
  it('still brings the table\'s schema up to the working definition, without a snapshot', async () => {
    // Prepare: another sync committed this batch's files under the definition before a column
    // was added (a race of processes); here, a column the definition has and the schema lacks.
    const lake = await lakeOf('iceberg')
    await lake.run()
    const definition = (await lake.deps.catalog.readTable('sluice', 'orders'))!
    const widened = { ...definition.table, StorageDescriptor: { ...definition.table.StorageDescriptor, Columns: [...definition.table.StorageDescriptor.Columns, { Name: 'late_column', Type: 'string' }] } }
    await lake.deps.catalog.updateTable('sluice', widened, definition.version)
    const before = (await currentTableFiles(target(lake), 'orders'))!
    const source = before.files[0]!.source

    // Act
    const synced = await syncIcebergDataset({ curated: lake.deps.curated, catalog: lake.deps.catalog, database: 'sluice' }, 'orders', [source], 'run-late', new Date())

    // Assess
    const after = (await currentTableFiles(target(lake), 'orders'))!
    expect(synced).toEqual({})
    expect(after.metadata.snapshots).toHaveLength(before.metadata.snapshots.length)
    expect(after.metadata.schemas.find((s) => s['schema-id'] === after.metadata['current-schema-id'])!.fields.map((f) => f.name)).toContain('late_column')
    expect((await realCatalog(lake.deps.catalog).getTable('sluice', 'orders'))!.StorageDescriptor.Columns.map((c) => c.Name)).toContain('late_column')
    expect(await rowsOf(after.files)).toEqual(await rowsOf(before.files))
  })
})
