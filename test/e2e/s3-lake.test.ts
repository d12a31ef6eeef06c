import { GetObjectTaggingCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalRunOutcome } from '../../cli/local-run'
import { s3ObjectStore } from '../../functions/adapters/s3-object-store'
import { fileId } from '../../functions/core/lake/lake-layout'
import { receiptKey, type Receipt } from '../../functions/core/lake/receipt'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { currentTableFiles } from '../../functions/adapters/iceberg-commit'
import { startS3rver, type LocalS3 } from '../support/s3rver'

describe('a sweep of a lake in S3 buckets', () => {
  let s3: LocalS3
  let s3Lake: E2ELake
  let folderLake: E2ELake
  let inS3: LocalRunOutcome
  let inFolder: LocalRunOutcome

  beforeAll(async () => {
    s3 = await startS3rver(['raw', 'curated'])
    const raw = s3ObjectStore(s3.client, 'raw')
    const curated = s3ObjectStore(s3.client, 'curated')
    s3Lake = await createLake({ zones: { raw, curated, buckets: { raw, curated } } })
    folderLake = await createLake()
    inS3 = await s3Lake.run()
    inFolder = await folderLake.run()
  })

  afterAll(async () => {
    await s3Lake?.dispose()
    await folderLake?.dispose()
    await s3?.stop()
  })

  it('gives the same query results and report counts as the same sweep of a folder lake', async () => {
    // Act
    const s3Results = await s3Lake.snapshot()
    const folderResults = await folderLake.snapshot()
    // Where the table's data lives: a Hive table's partition, or an Iceberg table's data files.
    const iceberg = await currentTableFiles({ store: s3Lake.deps.curated, catalog: s3Lake.deps.catalog, database: s3Lake.deps.database }, 'orders')
    const partition = iceberg ? { StorageDescriptor: { Location: iceberg.files[0]!.path } } : (await s3Lake.deps.catalog.listPartitions(s3Lake.deps.database, 'orders'))[0]
    const totals = 'SELECT count(*) AS n, sum(total_eur) AS total, count(coupon_code) AS coupons FROM orders'

    // Assess
    expect(inS3.failure).toBeUndefined()
    expect(partition?.StorageDescriptor.Location).toMatch(/^s3:\/\/curated\/orders\/ingest_date=/)
    expect(inS3.report.totals).toEqual(inFolder.report.totals)
    // Part names carry the publish id, which differs between the two runs.
    const samePlaces = (outputs: string[]) => outputs.map((k) => k.replace(/-[0-9a-f]{12}-(\d+\.parquet)$/, '-<publish>-$1'))
    expect(inS3.report.files.map((f) => [f.key, f.outcome, f.rowsOut, f.rowsRejected, samePlaces(f.outputs)])).toEqual(
      inFolder.report.files.map((f) => [f.key, f.outcome, f.rowsOut, f.rowsRejected, samePlaces(f.outputs)]),
    )
    expect(s3Results.tables).toHaveLength(6)
    expect(s3Results).toEqual(folderResults)
    expect(await s3Lake.query(totals)).toEqual(await folderLake.query(totals))
  })

  it('tags each raw object with its receipt and writes the receipt JSON, leaving the raw version as it was', async () => {
    // Act
    const files = await Promise.all(
      inS3.report.files.map(async (f) => {
        const tags = (await s3.client.send(new GetObjectTaggingCommand({ Bucket: 'raw', Key: f.key }))).TagSet ?? []
        const receipt = JSON.parse((await s3Lake.deps.curated.readText(receiptKey(f.dataset, fileId(f.key))))!) as Receipt
        return { f, tags: Object.fromEntries(tags.map((t) => [t.Key, t.Value])), receipt, etag: (await s3Lake.deps.raw.head(f.key))?.etag }
      }),
    )

    // Assess
    expect(files).toHaveLength(4)
    for (const { f, tags, receipt, etag } of files) {
      expect(tags).toEqual({
        'sluice-status': f.outcome, 'sluice-rows-loaded': String(f.rowsOut), 'sluice-rows-rejected': String(f.rowsRejected), 'sluice-run': inS3.report.runId, 'sluice-version': f.etag.replace(/"/g, '_'),
      })
      expect(receipt).toMatchObject({ key: f.key, etag: f.etag, status: f.outcome, runId: inS3.report.runId, rowsLoaded: f.rowsOut, rowsRejected: f.rowsRejected })
      expect(etag).toBe(f.etag)
    }
    const orders = files.find((x) => x.f.key === 'orders/orders-2024-06.csv')!.receipt
    const rows = await s3Lake.query(orders.queries!.rows!)
    const rejects = await s3Lake.query(orders.queries!.rejects)
    expect([rows.length, rejects.length]).toEqual([orders.rowsLoaded, orders.rowsRejected])
  })

  it('skips every file on a rerun over S3 and leaves the results unchanged', async () => {
    // Prepare
    const before = await s3Lake.snapshot()

    // Act
    const { report, failure } = await s3Lake.run()

    // Assess
    expect(failure).toBeUndefined()
    expect(report.totals).toMatchObject({ files: 0, skipped: 4 })
    expect(await s3Lake.snapshot()).toEqual(before)
  })
})
