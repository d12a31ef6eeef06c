import { describe, expect, it } from 'vitest'
import { parquetTable } from '../../functions/core/lake/catalog'
import { fileId } from '../../functions/core/lake/lake-layout'
import type { LedgerRecord } from '../../functions/core/lake/ledger'
import type { FileReport, RunReport } from '../../functions/core/lake/run-report'
import { sumTotals } from '../../functions/core/lake/run-report'
import { renderSite } from '../../functions/core/site/render-site'
import { buildSiteModel, type SiteSources } from '../../functions/core/site/site-model'

const head = (key: string, etag: string, rowsOut: number, extra: Partial<LedgerRecord> = {}): LedgerRecord => ({
  key, dataset: key.split('/')[0]!, fileId: fileId(key), state: 'committed', etag, publishId: 'abc123abc123', runId: 'r1', committedAt: '2024-07-01T06:00:05Z',
  outputs: [`${key.split('/')[0]}/ingest_date=2024-07-01/${fileId(key)}-abc123abc123-00000.parquet`], replaced: [], rowsIn: rowsOut, rowsOut, rowsRejected: 0, ...extra,
})
const file = (key: string, outcome: FileReport['outcome'], rowsOut: number, etag = 'e1'): FileReport => ({ dataset: key.split('/')[0]!, key, etag, outcome, rowsIn: rowsOut, rowsOut, rowsRejected: 0, outputs: [] })
const run = (runId: string, startedAt: string, files: FileReport[]): RunReport => ({ runId, trigger: 'schedule', ingestDate: startedAt.slice(0, 10), startedAt, updatedAt: startedAt, status: 'succeeded', files, totals: sumTotals(files, 0) })

function sources(overrides: Partial<SiteSources> = {}): SiteSources {
  return {
    generatedAt: '2024-07-03T00:00:00Z',
    database: 'sluice',
    tables: [parquetTable('orders', [{ Name: 'order_id', Type: 'bigint' }, { Name: 'items', Type: 'bigint' }, { Name: 'items__string', Type: 'string' }], [{ Name: 'ingest_date', Type: 'string' }], 's3://c/orders/'), parquetTable('orders__rejects', [], [], 's3://c/orders__rejects/')],
    heads: [head('orders/a.csv', 'e1', 10), head('orders/b.csv', 'e1', 5)],
    quarantined: [],
    runs: [run('r1', '2024-07-01T06:00:00Z', [file('orders/a.csv', 'loaded', 8), file('orders/b.csv', 'loaded', 5)]), run('r2', '2024-07-02T06:00:00Z', [file('orders/a.csv', 'loaded', 10, 'e2'), file('orders/gone.csv', 'retracted', 0)])],
    rawFiles: [{ key: 'orders/a.csv', etag: 'e1', size: 1 }, { key: 'orders/b.csv', etag: 'e1', size: 1 }],
    rejects: {},
    queries: { athena: true },
    ...overrides,
  }
}

describe('the status site model', () => {
  it('counts a raw file whose current version has no committed head as pending', () => {
    // Prepare
    const input = sources({ rawFiles: [{ key: 'orders/a.csv', etag: 'e1', size: 1 }, { key: 'orders/b.csv', etag: 'changed', size: 2 }, { key: 'orders/new.csv', etag: 'n1', size: 1 }] })

    // Act
    const model = buildSiteModel(input)

    // Assess
    expect(model.datasets[0]).toMatchObject({ name: 'orders', rows: 15, files: 2, pending: ['orders/b.csv', 'orders/new.csv'] })
  })

  it('reads quarantine records of any shape and marks their files quarantined', () => {
    // Act
    const model = buildSiteModel(sources({ quarantined: [{ dataset: 'orders', key: 'orders/b.csv', reason: 'BinaryInputError' }, { dataset: 'orders' }] }))

    // Assess
    expect(model.datasets[0]!.quarantined).toHaveLength(2)
    expect(model.files.find((f) => f.key === 'orders/b.csv')!.status).toBe('quarantined')
  })

  it('replays the run reports into rows per dataset after each run, a reload replacing its earlier rows', () => {
    // Act
    const model = buildSiteModel(sources())

    // Assess
    expect(model.rowsOverTime).toEqual({ times: [Date.parse('2024-07-01T06:00:00Z') / 1000, Date.parse('2024-07-02T06:00:00Z') / 1000], datasets: { orders: [13, 15] } })
  })

  it('gives a compacted file a query by its lineage column over the parts its head names', () => {
    // Prepare
    const merged = 'orders/compacted/c1/ingest_date=2024-07-01/c1-00000.parquet'
    const rejects = `orders__rejects/ingest_date=2024-07-01/${fileId('orders/a.csv')}-abc123abc123-00000.parquet`
    const compacted = head('orders/a.csv', 'e1', 10, { outputs: [rejects], shared: [merged] })

    // Act
    const model = buildSiteModel(sources({ heads: [compacted, head('orders/b.csv', 'e1', 5)], queries: { athena: true, localCurated: '/lake/curated/' } }))
    const a = model.files.find((f) => f.key === 'orders/a.csv')!

    // Assess
    expect(a.athenaQuery).toBe(`SELECT * FROM "sluice"."orders" WHERE "_sluice_source" = 'orders/a.csv'`)
    expect(a.localQuery).toBe(`SELECT * FROM read_parquet(['/lake/curated/${merged}'], hive_partitioning = true, union_by_name = true) WHERE "_sluice_source" = 'orders/a.csv'`)
  })

  it('names variant columns and gives a committed file a query on its own parts', () => {
    // Act
    const model = buildSiteModel(sources({ queries: { athena: true, localCurated: '/lake/curated/' } }))
    const a = model.files.find((f) => f.key === 'orders/a.csv')!

    // Assess
    expect(model.datasets[0]!.columns.find((c) => c.name === 'items__string')).toMatchObject({ variantOf: 'items' })
    expect(a.athenaQuery).toBe(`SELECT * FROM "sluice"."orders" WHERE "$path" LIKE '%/${fileId('orders/a.csv')}-abc123abc123-%'`)
    expect(a.localQuery).toBe(`SELECT * FROM read_parquet('/lake/curated/orders/**/${fileId('orders/a.csv')}-abc123abc123-*.parquet', hive_partitioning = true)`)
    expect(a.versions.map((v) => v.outcome)).toEqual(['loaded', 'loaded'])
  })

  it('escapes text from the lake in the pages it renders', () => {
    // Prepare
    const input = sources({ rejects: { orders: [{ source: 'orders/a.csv', line: 7, record: '<script>alert(1)</script>', errorCode: 'column_count', errorMessage: 'csv: "x"' }] } })

    // Act
    const pages = renderSite(buildSiteModel(input))
    const rejects = pages.find((p) => p.path === 'rejects/orders.html')!.content

    // Assess
    expect(rejects).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(rejects).not.toContain('<script>alert')
    expect(pages.map((p) => p.path)).toContain(`files/${fileId('orders/gone.csv')}.html`)
  })
})
