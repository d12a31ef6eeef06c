import { describe, expect, it } from 'vitest'
import { parquetTable } from '../../functions/core/lake/catalog'
import { fileId } from '../../functions/core/lake/lake-layout'
import type { LedgerRecord } from '../../functions/core/lake/ledger'
import type { FileReport, RunReport } from '../../functions/core/lake/run-report'
import { sumTotals } from '../../functions/core/lake/run-report'
import { renderSite } from '../../functions/core/site/render-site'
import { emptyHistory, recordRun, runRow } from '../../functions/core/site/run-history'
import { buildSiteModel, type SiteSources } from '../../functions/core/site/site-model'
import { emptySummary, mergeFileEntry, mergeShard, mergeSummary, shardOf, shardTotals, type FileShard, type FileUpdate, type RejectSample } from '../../functions/core/site/site-summary'

const head = (key: string, etag: string, rowsOut: number, extra: Partial<LedgerRecord> = {}): LedgerRecord => ({
  key, dataset: key.split('/')[0]!, fileId: fileId(key), state: 'committed', etag, publishId: 'abc123abc123', runId: 'r1', committedAt: '2024-07-01T06:00:05Z',
  outputs: [`${key.split('/')[0]}/ingest_date=2024-07-01/${fileId(key)}-abc123abc123-00000.parquet`], replaced: [], rowsIn: rowsOut, rowsOut, rowsRejected: 0, ...extra,
})
const file = (key: string, outcome: FileReport['outcome'], rowsOut: number, etag = 'e1'): FileReport => ({ dataset: key.split('/')[0]!, key, etag, outcome, rowsIn: rowsOut, rowsOut, rowsRejected: 0, outputs: [] })
const run = (runId: string, startedAt: string, files: FileReport[]): RunReport => ({ runId, trigger: 'schedule', ingestDate: startedAt.slice(0, 10), startedAt, updatedAt: startedAt, status: 'succeeded', files, totals: sumTotals(files, 0) })

/** The site's sources after Loads merged these files (one run each) into the orders dataset. */
function sources(merges: FileUpdate[], samples: RejectSample[] = [], overrides: Partial<SiteSources> = {}): SiteSources {
  const shards = new Map<string, FileShard>()
  let summary = emptySummary('orders')
  for (const m of merges) {
    const id = shardOf(fileId(m.report.key))
    const entry = mergeFileEntry(shards.get(id)?.files[m.report.key], m)
    const shard = mergeShard(shards.get(id), [entry])
    shards.set(id, shard)
    summary = mergeSummary(summary, { entries: [entry], shards: { [id]: shardTotals(shard) }, samples, warnings: [] })
  }
  return {
    generatedAt: '2024-07-03T00:00:00Z',
    database: 'sluice',
    tables: [parquetTable('orders', [{ Name: 'order_id', Type: 'bigint' }, { Name: 'items', Type: 'bigint' }, { Name: 'items__string', Type: 'string' }], [{ Name: 'ingest_date', Type: 'string' }], 's3://c/orders/'), parquetTable('orders__rejects', [], [], 's3://c/orders__rejects/')],
    summaries: [summary],
    files: [...shards.values()].flatMap((s) => Object.values(s.files)),
    history: emptyHistory(),
    queries: { athena: true },
    ...overrides,
  }
}

const loadedA = { report: file('orders/a.csv', 'loaded', 10), head: head('orders/a.csv', 'e1', 10), runId: 'r1', at: '2024-07-01T06:00:00Z' }
const loadedB = { report: file('orders/b.csv', 'loaded', 5), head: head('orders/b.csv', 'e1', 5), runId: 'r1', at: '2024-07-01T06:00:00Z' }

describe('the status site model', () => {
  it('lists a file whose new version failed as failed, its loaded rows still counted', () => {
    // Prepare
    const failed = { report: { ...file('orders/b.csv', 'failed', 0, 'e2'), reason: 'TransientStorageError: s3 busy' }, head: head('orders/b.csv', 'e1', 5), runId: 'r2', at: '2024-07-02T06:00:00Z' }

    // Act
    const model = buildSiteModel(sources([loadedA, loadedB, failed]))

    // Assess
    expect(model.datasets[0]).toMatchObject({ name: 'orders', rows: 15, files: 2, pending: [], failed: ['orders/b.csv'] })
    expect(model.files.find((f) => f.key === 'orders/b.csv')).toMatchObject({ status: 'failed', rawEtag: 'e2' })
  })

  it('lists a quarantined file with its reason, its failed version holding no rows', () => {
    // Prepare
    const quarantined = { report: { ...file('orders/b.csv', 'quarantined', 0, 'e2'), reason: 'BinaryInputError: not text' }, head: head('orders/b.csv', 'e2', 0, { state: 'failed', committedAt: '2024-07-02T06:00:05Z' }), runId: 'r2', at: '2024-07-02T06:00:00Z' }

    // Act
    const model = buildSiteModel(sources([loadedA, loadedB, quarantined]))

    // Assess
    expect(model.datasets[0]).toMatchObject({ rows: 10, files: 1, quarantined: [{ key: 'orders/b.csv', reason: 'BinaryInputError: not text' }] })
    expect(model.files.find((f) => f.key === 'orders/b.csv')!.status).toBe('quarantined')
  })

  it('charts the rows each dataset held after each of the latest runs', () => {
    // Prepare
    let history = recordRun(emptyHistory(), runRow(run('r1', '2024-07-01T06:00:00Z', [file('orders/a.csv', 'loaded', 8)]), { orders: 13 }))
    history = recordRun(history, runRow(run('r2', '2024-07-02T06:00:00Z', [file('orders/a.csv', 'loaded', 10, 'e2')]), { orders: 15 }))

    // Act
    const model = buildSiteModel(sources([loadedA], [], { history }))

    // Assess
    expect(model.rowsOverTime).toEqual({ times: [Date.parse('2024-07-01T06:00:00Z') / 1000, Date.parse('2024-07-02T06:00:00Z') / 1000], datasets: { orders: [13, 15] } })
    expect(model.runs.map((r) => r.runId)).toEqual(['r1', 'r2'])
  })

  it('links the index to the pages of older runs, and renders the page a run just cut', () => {
    // Prepare
    let history = emptyHistory()
    for (let n = 1; n <= 50; n++) history = recordRun(history, runRow(run(`r${String(n).padStart(2, '0')}`, new Date(Date.UTC(2024, 6, 1, n)).toISOString(), []), { orders: n }))

    // Act
    const pages = renderSite(buildSiteModel(sources([loadedA], [], { history, changed: [] })))
    const index = pages.find((p) => p.path === 'index.html')!.content
    const older = pages.find((p) => p.path === 'runs/1.html')!.content

    // Assess
    expect(index).toContain('<a href="runs/1.html">1</a>')
    expect(index).not.toContain('<td>r20</td>')
    expect(index).toContain('<td>r21</td>')
    expect(older).toContain('<td>r01</td>')
    expect(older).toContain('<td>r20</td>')
  })

  it('gives a compacted file a query by its lineage column over the parts its head names', () => {
    // Prepare
    const merged = 'orders/compacted/c1/ingest_date=2024-07-01/c1-00000.parquet'
    const rejects = `orders__rejects/ingest_date=2024-07-01/${fileId('orders/a.csv')}-abc123abc123-00000.parquet`
    const compacted = { ...loadedA, head: head('orders/a.csv', 'e1', 10, { outputs: [rejects], shared: [merged] }) }

    // Act
    const model = buildSiteModel(sources([compacted, loadedB], [], { queries: { athena: true, localCurated: '/lake/curated/' } }))
    const a = model.files.find((f) => f.key === 'orders/a.csv')!

    // Assess
    expect(a.athenaQuery).toBe(`SELECT * FROM "sluice"."orders" WHERE "_sluice_source" = 'orders/a.csv'`)
    expect(a.localQuery).toBe(`SELECT * FROM read_parquet(['/lake/curated/${merged}'], hive_partitioning = true, union_by_name = true) WHERE "_sluice_source" = 'orders/a.csv'`)
  })

  it('gives a file of an Iceberg table a query by its lineage column over the table, compacted or not', () => {
    // Prepare
    const base = sources([loadedA, loadedB], [], { queries: { athena: true, localCurated: '/lake/curated/' } })
    const orders = base.tables.find((t) => t.Name === 'orders')!
    const iceberg = { ...orders, Parameters: { ...orders.Parameters, table_type: 'ICEBERG', metadata_location: 's3://c/orders/metadata/00001.metadata.json' } }

    // Act
    const model = buildSiteModel({ ...base, tables: [iceberg, ...base.tables.filter((t) => t !== orders)] })
    const a = model.files.find((f) => f.key === 'orders/a.csv')!

    // Assess
    expect(a.athenaQuery).toBe(`SELECT * FROM "sluice"."orders" WHERE "_sluice_source" = 'orders/a.csv'`)
    expect(a.localQuery).toBe(`SELECT * FROM "orders" WHERE "_sluice_source" = 'orders/a.csv'`)
  })

  it('names variant columns and gives a committed file a query on its own parts', () => {
    // Prepare
    const reloaded = { report: file('orders/a.csv', 'loaded', 10, 'e2'), head: head('orders/a.csv', 'e2', 10, { committedAt: '2024-07-02T06:00:05Z' }), runId: 'r2', at: '2024-07-02T06:00:00Z' }

    // Act
    const model = buildSiteModel(sources([loadedA, loadedB, reloaded], [], { queries: { athena: true, localCurated: '/lake/curated/' } }))
    const a = model.files.find((f) => f.key === 'orders/a.csv')!

    // Assess
    expect(model.datasets[0]!.columns.find((c) => c.name === 'items__string')).toMatchObject({ variantOf: 'items' })
    expect(a.athenaQuery).toBe(`SELECT * FROM "sluice"."orders" WHERE "$path" LIKE '%/${fileId('orders/a.csv')}-abc123abc123-%'`)
    expect(a.localQuery).toBe(`SELECT * FROM read_parquet('/lake/curated/orders/**/${fileId('orders/a.csv')}-abc123abc123-*.parquet', hive_partitioning = true)`)
    expect(a.versions.map((v) => v.outcome)).toEqual(['loaded', 'loaded'])
  })

  it('escapes text from the lake in the pages it renders, and writes only the pages of the changed files and datasets', () => {
    // Prepare
    const withRejects = { ...loadedA, head: head('orders/a.csv', 'e1', 10, { rowsRejected: 1 }), rejectCodes: { column_count: 1 } }
    const input = sources([withRejects], [{ source: 'orders/a.csv', line: 7, record: '<script>alert(1)</script>', errorCode: 'column_count', errorMessage: 'csv: "x"' }], { recordText: true })

    // Act
    const pages = renderSite(buildSiteModel({ ...input, changed: ['orders'] }))
    const rejects = pages.find((p) => p.path === 'rejects/orders.html')!.content

    // Assess
    expect(rejects).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(rejects).not.toContain('<script>alert')
    expect(pages.map((p) => p.path).sort()).toEqual(['assets/site.css', 'assets/site.js', 'datasets/orders.html', `files/${fileId('orders/a.csv')}.html`, 'index.html', 'rejects/orders.html'])
  })

  it('names a run whose only failure is a quarantined file by it, not "failed" with 0 failed', () => {
    // Prepare
    const quarantined = { ...file('orders/b.csv', 'quarantined', 0, 'e2'), reason: 'BinaryInputError: not text' }
    const report = { ...run('r2', '2024-07-02T06:00:00Z', [quarantined]), status: 'failed' as const }
    const history = recordRun(emptyHistory(), runRow(report, { orders: 10 }))

    // Act
    const index = renderSite(buildSiteModel(sources([loadedA], [], { history }))).find((p) => p.path === 'index.html')!.content
    const row = /<tr><td>r2<\/td>.*?<\/tr>/.exec(index)![0]
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''))

    // Assess
    expect(cells.slice(3)).toEqual(['1 quarantined', '1', '0', '0', '1', '0', '0'])
    expect(row).toContain('<span class="badge quarantined">1 quarantined</span>')
  })

  it('shows the failed and quarantined files and the latest warnings of every dataset on the index', () => {
    // Prepare
    const failed = { report: { ...file('orders/b.csv', 'failed', 0, 'e2'), reason: 'TransientStorageError: s3 busy' }, head: head('orders/b.csv', 'e1', 5), runId: 'r2', at: '2024-07-02T06:00:00Z' }
    const quarantined = { report: { ...file('orders/c.csv', 'quarantined', 0), reason: 'BinaryInputError: not text' }, runId: 'r2', at: '2024-07-02T06:00:00Z' }
    const input = sources([loadedA, loadedB, failed, quarantined])
    input.summaries[0]!.warnings = [{ runId: 'r2', at: '2024-07-02T06:00:00Z', key: 'orders/a.csv', text: 'variant: 2 value(s) of column items' }]

    // Act
    const index = renderSite(buildSiteModel(input)).find((p) => p.path === 'index.html')!.content
    const attention = /<table id="attention-table">.*?<\/table>/.exec(index)![0]

    // Assess
    expect(attention).toContain(`<a href="files/${fileId('orders/b.csv')}.html">orders/b.csv</a>`)
    expect(attention).toContain(`<a href="files/${fileId('orders/c.csv')}.html">orders/c.csv</a>`)
    expect(attention).toContain('BinaryInputError: not text')
    expect(/<table id="warnings-table">.*variant: 2 value\(s\) of column items/.test(index)).toBe(true)
  })

  it('flags a dataset stale once its last load is older than the threshold, which is configurable', () => {
    // Prepare: the files were committed at 2024-07-01T06:00:05Z.
    const fresh = { generatedAt: '2024-07-02T18:00:00Z' }
    const old = { generatedAt: '2024-07-02T18:00:06Z' }

    // Act
    const byDefault = [fresh, old].map((o) => buildSiteModel(sources([loadedA], [], o)).datasets[0]!.stale)
    const configured = buildSiteModel(sources([loadedA], [], { ...fresh, staleAfterHours: 12 })).datasets[0]!.stale

    // Assess
    expect(byDefault).toEqual([false, true])
    expect(configured).toBe(true)
  })

  it('gives each column its nulls, min and max, and the table its bytes, from what the Loads measured', () => {
    // Prepare
    const a = { ...loadedA, rejectCodes: {}, bytes: 1200, columns: { order_id: { nulls: 0, min: 1, max: 10 }, items: { nulls: 2, min: 1, max: 4 } } }
    const b = { ...loadedB, rejectCodes: {}, bytes: 800, columns: { order_id: { nulls: 1, min: 11, max: 15 }, items: { nulls: 0, min: 0, max: 3 } } }

    // Act
    const model = buildSiteModel(sources([a, b]))
    const page = renderSite({ ...model, changed: ['orders'] }).find((p) => p.path === 'datasets/orders.html')!.content

    // Assess
    expect(model.datasets[0]!.bytes).toBe(2000)
    expect(model.datasets[0]!.columns.filter((c) => c.stats).map((c) => [c.name, c.stats])).toEqual([
      ['order_id', { nulls: 1, min: 1, max: 15 }],
      ['items', { nulls: 2, min: 0, max: 4 }],
    ])
    expect(page).toContain('<dd id="dataset-size"><span title="2,000 bytes">2.0 kB</span></dd>')
  })

  it('shows an Iceberg table\'s latest 20 snapshots on its dataset page, newest first, and no history for a Hive table', () => {
    // Prepare: 25 snapshots, newest first, as the site step reads them.
    const snapshots = Array.from({ length: 25 }, (_, i) => 25 - i).map((n) => ({
      snapshotId: 1000 + n, committedAt: `2024-07-${String(n).padStart(2, '0')}T06:00:00.000Z`, operation: n === 3 ? 'overwrite' : 'append', runId: `run-${n}`,
      addedFiles: 1, deletedFiles: n === 3 ? 1 : 0, addedRows: n * 10, deletedRows: n === 3 ? 7 : 0, totalRows: n * 100, current: n === 25,
    }))

    // Act
    const iceberg = buildSiteModel(sources([loadedA], [], { snapshots: { orders: snapshots } }))
    const hive = buildSiteModel(sources([loadedA]))
    const page = (model: typeof hive) => renderSite(model).find((p) => p.path === 'datasets/orders.html')!.content

    // Assess
    expect(iceberg.datasets[0]!.snapshots!.map((s) => s.snapshotId)).toEqual(Array.from({ length: 20 }, (_, i) => 1025 - i))
    expect(hive.datasets[0]!.snapshots).toBeUndefined()
    const history = /<section id="history"><h2>History<\/h2>.*?<\/section>/s.exec(page(iceberg))?.[0] ?? ''
    expect(history).toContain('npx sluice history orders')
    expect(history.match(/<tr>/g)).toHaveLength(21)
    expect(history).toContain('<td><code>1025</code> (current)</td><td>append</td><td>run-25</td><td class="num">250</td><td class="num">0</td><td class="num">2,500</td>')
    expect(history).not.toContain('run-5<')
    expect(page(hive)).not.toContain('id="history"')
  })
})
