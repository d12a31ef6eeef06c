import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { createLake, START_TIME, type E2ELake, type Row } from '../support/e2e-lake'
import { realCatalog } from '../../functions/adapters/table-format-catalog'
import { metadataLocationOf } from '../../functions/core/table-format/iceberg/iceberg-table-input'
import { currentTableFiles } from '../../functions/adapters/iceberg-commit'
import { convertToIceberg, ConversionError } from '../../functions/load/convert-table'
import { compactDataset } from '../../functions/load/table-compactor'
import { DEFAULT_COMPACTION } from '../../functions/core/compaction/merge-plan'
import { closeDuckDb, duckQuery, sqlString } from '../support/duckdb-parquet'

const HEADER = 'order_id,customer_id,ordered_at,status,items,total_eur,note,coupon_code'
const JUNE_FIXED = `${HEADER}\n60000,1001,2024-06-01T10:00:00Z,pending,2,10.50,,\n`

let lake: E2ELake | undefined
afterEach(async () => {
  await lake?.dispose()
  lake = undefined
})
afterAll(closeDuckDb)

const target = (l: E2ELake) => ({ store: l.deps.curated, catalog: realCatalog(l.deps.catalog), database: l.deps.database })
const parquetKeys = async (l: E2ELake) => (await l.curatedKeys()).filter((k) => k.endsWith('.parquet')).sort()

async function snapshotIds(l: E2ELake, table: string): Promise<Row[]> {
  const files = (await currentTableFiles(target(l), table))?.files ?? []
  if (files.length === 0) return []
  return duckQuery(`SELECT order_id::BIGINT AS id FROM read_parquet([${files.map((f) => sqlString(fileURLToPath(f.path))).join(', ')}], union_by_name = true) ORDER BY 1`)
}

describe('sluice convert', () => {
  it('adopts a Hive table\'s parts into an Iceberg table without writing or removing a part, and later loads commit snapshots', async () => {
    lake = await createLake({ tableFormat: 'hive' })
    await lake.run()
    const before = await lake.query('SELECT order_id::BIGINT AS id FROM orders ORDER BY 1')
    const parts = await parquetKeys(lake)
    const conversion = await convertToIceberg(lake.deps, 'orders', 'convert-test', START_TIME)
    expect(conversion.outcome).toBe('converted')
    expect(Object.keys(conversion.tables)).toContain('orders')
    expect(await parquetKeys(lake)).toEqual(parts)
    expect(metadataLocationOf(await realCatalog(lake.deps.catalog).getTable('sluice', 'orders'))).toBeDefined()
    // customers was not converted: still a Hive table.
    expect(metadataLocationOf(await realCatalog(lake.deps.catalog).getTable('sluice', 'customers'))).toBeUndefined()
    expect((await snapshotIds(lake, 'orders')).map((r) => Number(r.id))).toEqual(before.map((r) => Number(r.id)))
    expect((await convertToIceberg(lake.deps, 'orders', 'again', START_TIME)).outcome).toBe('already')

    await lake.putRaw('orders/orders-2024-06.csv', JUNE_FIXED)
    expect((await lake.run({ trigger: 'schedule' }, { startTime: new Date(START_TIME.getTime() + 60_000) })).failure).toBeUndefined()
    const ids = (await snapshotIds(lake, 'orders')).map((r) => Number(r.id))
    expect(ids).toContain(60000)
    expect(ids.length).toBe(before.length - 55 + 1)
    const metadata = (await currentTableFiles(target(lake), 'orders'))!.metadata
    expect(metadata.snapshots.map((s) => s.summary.operation)).toEqual(['append', 'overwrite'])
  })

  it('refuses a table whose parts compaction merged across files, changing nothing', async () => {
    lake = await createLake({ seed: 'none', tableFormat: 'hive' })
    await lake.putRaw('events/a.csv', 'id,amount\n1,1.50\n2,2.50\n')
    await lake.putRaw('events/b.csv', 'id,amount\n3,3.50\n4,4.50\n')
    await lake.run()
    const merged = await compactDataset(lake.deps, 'events', { ...DEFAULT_COMPACTION, targetBytes: 1024 * 1024 }, () => START_TIME)
    expect(merged.map((m) => m.outcome)).toContain('compacted')
    const parts = await parquetKeys(lake)
    await expect(convertToIceberg(lake.deps, 'events', 'convert-test', START_TIME)).rejects.toThrow(ConversionError)
    await expect(convertToIceberg(lake.deps, 'events', 'convert-test', START_TIME)).rejects.toThrow(/compacted part/)
    expect(await parquetKeys(lake)).toEqual(parts)
    expect(metadataLocationOf(await realCatalog(lake.deps.catalog).getTable('sluice', 'events'))).toBeUndefined()
    expect(await lake.query('SELECT count(*)::INTEGER AS n FROM events')).toEqual([{ n: 4 }])
  })
})
