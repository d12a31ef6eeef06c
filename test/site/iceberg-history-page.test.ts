import { realCatalog } from '../../functions/adapters/table-format-catalog'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localLake } from '../../cli/local/local-lake'
import { commitTableChange, type IcebergTableSpec, type IcebergTarget } from '../../functions/adapters/iceberg-commit'
import { parquetTable } from '../../functions/core/lake/catalog'
import { rebuildSite } from '../../functions/site/rebuild-site'
import { closeDuckDb } from '../support/duckdb-parquet'
import { writeDataFile } from '../support/iceberg-lake'

const ORDERS: IcebergTableSpec = { name: 'orders', prefix: 'orders/', columns: [{ name: 'id', type: { kind: 'int' } }, { name: 'item', type: { kind: 'string' } }] }

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-site-history-'))
})

afterAll(async () => {
  await closeDuckDb()
  await rm(dir, { recursive: true, force: true })
})

describe('the dataset page of the status site', () => {
  it('shows the snapshots of an Iceberg table, read through its catalog pointer, and no history for a Hive table', async () => {
    // Prepare: orders is an Iceberg table of an append and a replacement; customers a Hive table.
    const deps = localLake(join(dir, 'lake'))
    const target: IcebergTarget = { store: deps.curated, catalog: deps.catalog, database: deps.database }
    const a1 = await writeDataFile(deps.curated, ORDERS, { source: 'aaaa', publish: 'p1', date: '2024-07-01', select: `SELECT * FROM (VALUES (1::INTEGER, 'apple'), (2::INTEGER, 'pear')) v(id, item)` })
    const first = await commitTableChange(target, ORDERS, { sources: [{ source: 'aaaa', files: [a1] }], runId: 'run-1' }, new Date('2024-07-01T06:00:00Z'))
    const a2 = await writeDataFile(deps.curated, ORDERS, { source: 'aaaa', publish: 'p2', date: '2024-07-02', select: `SELECT 3::INTEGER AS id, 'plum' AS item` })
    const second = await commitTableChange(target, ORDERS, { sources: [{ source: 'aaaa', files: [a2] }], runId: 'run-2' }, new Date('2024-07-02T06:00:00Z'))
    await realCatalog(deps.catalog).createTable('sluice', parquetTable('customers', [{ Name: 'id', Type: 'int' }], [{ Name: 'ingest_date', Type: 'date' }], deps.curated.location('customers/')))
    const pages = new Map<string, string>()
    const site = { write: async (path: string, content: string | Uint8Array) => void pages.set(path, String(content)) }

    // Act
    await rebuildSite({ ...deps, site, assets: [], queries: { athena: false } })

    // Assess
    const history = /<section id="history">.*?<\/section>/s.exec(pages.get('datasets/orders.html')!)?.[0] ?? ''
    const rows = [...history.matchAll(/<tr><td>.*?<\/tr>/g)].map((m) => m[0])
    expect(rows).toHaveLength(2)
    expect(rows[0]).toContain(`<td><code>${second.snapshotId}</code> (current)</td><td>overwrite</td><td>run-2</td><td class="num">1</td><td class="num">2</td><td class="num">1</td>`)
    expect(rows[1]).toContain(`<td><code>${first.snapshotId}</code></td><td>append</td><td>run-1</td><td class="num">2</td><td class="num">0</td><td class="num">2</td>`)
    expect(pages.get('datasets/customers.html')).not.toContain('id="history"')
  })
})
