import { currentTableFiles } from '../../functions/adapters/iceberg-commit'
import { realCatalog } from '../../functions/adapters/table-format-catalog'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { localSiteStep, writeLocalSite } from '../../cli/site/local-site'
import { fileId } from '../../functions/core/lake/lake-layout'
import { headKey, type LedgerRecord } from '../../functions/core/lake/ledger'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { sumTotals, type FileReport, type RunReport } from '../../functions/core/lake/run-report'
import { datasetTotals, shardOf, summaryKey, type DatasetSummary } from '../../functions/core/site/site-summary'
import { updateSummaries } from '../../functions/load/update-summaries'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'
import { gate } from '../support/gate'

const DAY = 86_400_000

/** Every page under the site folder, its generation time blanked out. */
async function pages(folder: string): Promise<Record<string, string>> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.html')).map((e) => relative(folder, join(e.parentPath, e.name)))
  const result: Record<string, string> = {}
  for (const f of files.sort()) result[f] = (await readFile(join(folder, f), 'utf8')).replace(/<span class="generated">[^<]*<\/span>/, '')
  return result
}

/** Two raw keys of one dataset whose files fall in the same shard. */
function sameShardKeys(): [string, string] {
  const seen = new Map<string, string>()
  for (let i = 0; ; i++) {
    const key = `orders/part-${i}.csv`
    const shard = shardOf(fileId(key))
    if (seen.has(shard)) return [seen.get(shard)!, key]
    seen.set(shard, key)
  }
}

describe('the status site kept up to date by Load', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('lands both of two Loads merging the same dataset at once', async () => {
    // Prepare: two files of one shard, committed, each reported by its own execution; both
    // merges read the summary before either writes it.
    lake = await createLake({ seed: 'none' })
    const [a, b] = sameShardKeys()
    for (const [key, rows] of [[a, 10], [b, 7]] as const) {
      const head: LedgerRecord = { key, dataset: 'orders', fileId: fileId(key), state: 'committed', etag: 'e1', publishId: 'p1', runId: `run-${rows}`, committedAt: '2024-07-01T06:00:00.000Z', outputs: [], replaced: [], rowsIn: rows, rowsOut: rows, rowsRejected: 0 }
      await lake.deps.curated.writeText(headKey('orders', fileId(key)), JSON.stringify(head))
    }
    const bothRead = gate()
    let reads = 0
    const curated: ObjectStore = {
      ...lake.deps.curated,
      async readVersioned(key) {
        const read = await lake!.deps.curated.readVersioned(key)
        if (key === summaryKey('orders') && ++reads === 1) await bothRead.wait()
        if (key === summaryKey('orders') && reads === 2) bothRead.open()
        return read
      },
    }
    const runOf = (runId: string, file: FileReport): RunReport => ({ runId, trigger: 'object', ingestDate: '2024-07-01', startedAt: START_TIME.toISOString(), updatedAt: START_TIME.toISOString(), status: 'succeeded', files: [file], totals: sumTotals([file], 0) })
    const loaded = (key: string, rows: number): FileReport => ({ dataset: 'orders', key, etag: 'e1', outcome: 'loaded', rowsIn: rows, rowsOut: rows, rowsRejected: 0, outputs: [] })

    // Act
    await Promise.all([
      updateSummaries({ ...lake.deps, curated }, runOf('run-10', loaded(a, 10)), [loaded(a, 10)], []),
      updateSummaries({ ...lake.deps, curated }, runOf('run-7', loaded(b, 7)), [loaded(b, 7)], []),
    ])
    const summary = JSON.parse((await lake.deps.curated.readText(summaryKey('orders')))!) as DatasetSummary

    // Assess
    expect(datasetTotals(summary)).toMatchObject({ files: 2, rows: 17 })
    expect(summary.recent.map((f) => f.key).sort()).toEqual([a, b].sort())
    expect(reads).toBeGreaterThan(2)
  })

  it('counts every dataset\'s rows as the lake holds them after two executions load the same files at once', async () => {
    // Prepare
    lake = await createLake()

    // Act
    const runs = await Promise.all([lake.run(), lake.run()])
    const summaries = await Promise.all(['customers', 'orders', 'payments'].map(async (d) => JSON.parse((await lake!.deps.curated.readText(summaryKey(d)))!) as DatasetSummary))

    // Assess
    expect(runs.map((r) => r.failure)).toEqual([undefined, undefined])
    for (const summary of summaries) {
      const [{ n }] = await lake.query(`SELECT count(*) AS n FROM ${summary.dataset}`)
      const [{ r }] = await lake.query(`SELECT count(*) AS r FROM ${summary.dataset}__rejects`)
      expect(datasetTotals(summary), summary.dataset).toMatchObject({ rows: n, rowsRejected: r })
    }
  })

  it('gives each dataset the bytes of its Parquet parts, and each column the nulls, min and max DuckDB finds, after a file is replaced', async () => {
    // Prepare: orders loaded, then one of its files replaced by a smaller one with other extremes.
    lake = await createLake()
    await lake.run()
    await lake.putRaw('orders/orders-2024-05.csv', 'order_id,customer_id,ordered_at,status,items,total_eur,note\n1,7,2023-01-02T03:04:05Z,pending,,0.01,\n2,8,2023-01-03T00:00:00Z,shipped,3,99999.99,x\n')

    // Act
    await lake.run(undefined, { startTime: new Date(START_TIME.getTime() + DAY) })
    const summary = JSON.parse((await lake.deps.curated.readText(summaryKey('orders')))!) as DatasetSummary
    const totals = datasetTotals(summary)
    // The parts the table holds: a Hive table's in its folders, an Iceberg table's in its current snapshot (replaced ones stay for the retention).
    let bytes = 0
    const iceberg = await currentTableFiles({ store: lake.deps.curated, catalog: realCatalog(lake.deps.catalog), database: lake.deps.database }, 'orders')
    if (iceberg) bytes = iceberg.files.reduce((n, f) => n + f.sizeBytes, 0)
    else for await (const o of lake.deps.curated.list('orders/')) if (o.key.endsWith('.parquet')) bytes += o.size
    const [duck] = await lake.query(`SELECT count(*) - count(items) AS items_nulls, count(*) - count(note) AS note_nulls,
      CAST(min(order_id) AS DOUBLE) AS min_id, CAST(max(order_id) AS DOUBLE) AS max_id, CAST(min(total_eur) AS DOUBLE) AS min_total, CAST(max(total_eur) AS DOUBLE) AS max_total,
      epoch_ms(min(ordered_at)) AS min_at, epoch_ms(max(ordered_at)) AS max_at FROM orders`)
    const c = totals.columns!

    // Assess
    expect(totals.bytes).toBe(bytes)
    expect([c['items']!.nulls, c['note']!.nulls]).toEqual([Number(duck.items_nulls), Number(duck.note_nulls)])
    expect([c['order_id']!.min, c['order_id']!.max, c['total_eur']!.min, c['total_eur']!.max]).toEqual([duck.min_id, duck.max_id, duck.min_total, duck.max_total])
    expect([Date.parse(String(c['ordered_at']!.min)), Date.parse(String(c['ordered_at']!.max))]).toEqual([Number(duck.min_at), Number(duck.max_at)])
    expect(c['order_id']!.min).toBe(1)
    expect(c['status']).toEqual({ nulls: 0 })
  })

  it('writes, run after run, the pages a full regeneration of the lake writes', async () => {
    // Prepare: the sample lake loaded, then a new orders file with a rejected row, then a file
    // deleted (its rows retracted), the site updated by the workflow after each run.
    lake = await createLake()
    const step = localSiteStep(lake.deps, lake.dir, join(lake.dir, 'curated'))
    await lake.run(undefined, { site: step })
    await lake.putRaw('orders/orders-2024-07.csv', 'order_id,customer_id,ordered_at,status,items,total_eur,note\n9001,1,2024-07-02T10:00:00Z,pending,2,19.90,\n9002,2,2024-07-02T11:00:00Z,shipped,1\n')
    await lake.run(undefined, { site: step, startTime: new Date(START_TIME.getTime() + DAY) })
    await lake.deleteRaw('orders/orders-2024-05.csv')
    const { report } = await lake.run(undefined, { site: step, startTime: new Date(START_TIME.getTime() + 2 * DAY) })
    const incremental = await pages(join(lake.dir, 'site'))

    // Act
    await writeLocalSite(lake.deps, lake.dir, join(lake.dir, 'curated'))
    const full = await pages(join(lake.dir, 'site'))

    // Assess
    expect(report.totals).toMatchObject({ retracted: 1 })
    expect(incremental['index.html']).toContain('<a href="datasets/orders.html">orders</a>')
    expect(Object.keys(incremental)).toEqual(Object.keys(full))
    for (const path of Object.keys(full)) expect(incremental[path], path).toBe(full[path])
  })
})
