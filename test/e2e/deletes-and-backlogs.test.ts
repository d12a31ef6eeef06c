import { afterEach, describe, expect, it } from 'vitest'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { startGlueServer, type GlueServer } from '../support/glue-server'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'

const csv = (header: string, rows: (string | number)[][]) => `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`
const NEXT_DAY = new Date('2024-07-02T06:00:00.000Z')

/** An S3 event as EventBridge delivers it, inside an SQS message as Pipes hands it over. */
const queued = (detailType: 'Object Created' | 'Object Deleted', key: string) => ({
  messageId: `m-${key}`,
  body: JSON.stringify({ 'detail-type': detailType, source: 'aws.s3', detail: { bucket: { name: 'raw' }, object: { key } } }),
})

describe('deleted and renamed raw files', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('retracts the rows of a deleted raw file at the next sweep, and reports it', async () => {
    // Prepare
    lake = await createLake()
    await lake.run()
    await lake.deleteRaw('orders/orders-2024-05.csv')

    // Act
    const { report, failure } = await lake.run(undefined, { startTime: NEXT_DAY })
    const orders = await lake.query('SELECT count(*) AS n FROM orders')
    const rejects = await lake.query('SELECT count(*) AS n FROM orders__rejects')

    // Assess
    expect(failure).toBeUndefined()
    expect(report.files).toMatchObject([{ key: 'orders/orders-2024-05.csv', outcome: 'retracted', rowsRetracted: 58 }])
    expect(report.totals).toMatchObject({ retracted: 1, rowsRetracted: 58, skipped: 3 })
    expect(orders).toEqual([{ n: 55 }])
    expect(rejects).toEqual([{ n: 0 }])
    expect(await lakeFindings(lake.deps, ['customers/customers.csv', 'orders/orders-2024-06.csv', 'payments/payments-2024-q2.csv.gz'])).toEqual(CONSISTENT)
  })

  it('never duplicates the rows of a renamed file: the old key is retracted, the new one loaded', async () => {
    // Prepare
    lake = await createLake()
    await lake.run()
    const content = (await lake.deps.raw.readText('orders/orders-2024-06.csv'))!
    await lake.putRaw('orders/archive/2024-06.csv', content)
    await lake.deleteRaw('orders/orders-2024-06.csv')

    // Act
    const { report } = await lake.run(undefined, { startTime: NEXT_DAY })
    const orders = await lake.query('SELECT count(*) AS n, count(DISTINCT order_id) AS ids FROM orders')

    // Assess
    expect(report.files.map((f) => [f.key, f.outcome]).sort()).toEqual([
      ['orders/archive/2024-06.csv', 'loaded'],
      ['orders/orders-2024-06.csv', 'retracted'],
    ])
    expect(orders).toEqual([{ n: 113, ids: 113 }])
  })

  it('keeps the rows of deleted files when the lake is set to keep them', async () => {
    // Prepare
    lake = await createLake()
    await lake.run()
    await lake.deleteRaw('orders/orders-2024-05.csv')

    // Act
    const { report } = await lake.run(undefined, { startTime: NEXT_DAY, settings: { onDelete: 'keep' } })
    const orders = await lake.query('SELECT count(*) AS n FROM orders')

    // Assess
    expect(report.files).toEqual([])
    expect(orders).toEqual([{ n: 113 }])
  })

  it('loads and retracts the keys of a batch of queued S3 events in one execution', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'] })
    await lake.run()
    await lake.putRaw('orders/extra.csv', csv('order_id,customer_id,ordered_at,status,items,total_eur,note', [[90001, 7, '2024-06-30T10:00:00Z', 'pending', 1, '9.99', '']]))
    await lake.deleteRaw('orders/orders-2024-05.csv')
    const batch = [queued('Object Created', 'orders/extra.csv'), queued('Object Deleted', 'orders/orders-2024-05.csv'), queued('Object Created', 'orders/extra.csv')]

    // Act
    const { report, failure } = await lake.run(batch, { startTime: NEXT_DAY })
    const orders = await lake.query('SELECT order_id FROM orders')

    // Assess
    expect(failure).toBeUndefined()
    expect(report.trigger).toBe('object')
    expect(report.files.map((f) => [f.key, f.outcome]).sort()).toEqual([
      ['orders/extra.csv', 'loaded'],
      ['orders/orders-2024-05.csv', 'retracted'],
    ])
    expect(orders).toEqual([{ order_id: 90001 }])
  })
})

describe('a backlog beyond one execution', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('hands the files past its cap to a successor execution, which drains them', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    for (let i = 0; i < 7; i++) await lake.putRaw(`events/part-${i}.csv`, csv('id,amount', [[i, `${i}.00`]]))
    const successors: { name: string; input: unknown }[] = []
    const settings = { batchSize: 2, maxFilesPerRun: 3 }

    // Act: each run hands off to the next, as Step Functions would start it.
    const first = await lake.run(undefined, { runId: 'nightly', settings, onSuccessor: (name, input) => successors.push({ name, input }) })
    const reports = [first.report]
    while (successors.length > 0) {
      const next = successors.shift()!
      reports.push((await lake.run(next.input, { runId: next.name, settings, onSuccessor: (name, input) => successors.push({ name, input }) })).report)
    }
    const rows = await lake.query('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events')

    // Assess
    expect(reports.map((r) => [r.runId, r.totals.loaded, r.totals.pending, r.successor ?? null])).toEqual([
      ['nightly', 3, 4, 'nightly-c2'],
      ['nightly-c2', 3, 1, 'nightly-c3'],
      ['nightly-c3', 1, 0, null],
    ])
    expect(rows).toEqual([{ n: 7, ids: 7 }])
  })
})

describe('the catalog under loads that change nothing', () => {
  let glue: GlueServer | undefined
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    await glue?.stop()
    lake = glue = undefined
  })

  it('updates a Glue table only when its columns change, so loads archive no table versions', async () => {
    // Prepare
    glue = await startGlueServer()
    // A Hive table's definition; an Iceberg table's pointer moves at each commit, archiving nothing.
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'], catalog: glueCatalog(glue.client), tableFormat: 'hive' })
    await lake.run()
    const before = glue.updates('sluice', 'orders')
    await lake.putRaw('orders/more.csv', csv('order_id,customer_id,ordered_at,status,items,total_eur,note', [[90001, 7, '2024-06-30T10:00:00Z', 'pending', 1, '9.99', '']]))

    // Act
    await lake.run(undefined, { startTime: NEXT_DAY })
    await lake.putRaw('orders/wider.csv', csv('order_id,total_eur,channel', [[90002, '1.00', 'web']]))
    await lake.run(undefined, { startTime: NEXT_DAY })

    // Assess
    expect(before).toBe(0)
    expect(glue.updates('sluice', 'orders')).toBe(1)
    expect(glue.archivedVersions('sluice', 'orders')).toBe(1)
  })
})

describe('dataset names', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('never lets a dataset collide with the rejects table of another', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'] })
    await lake.putRaw('orders_rejects/bounced.csv', csv('id,reason', [[1, 'full mailbox'], [2, 'no such user']]))

    // Act
    const { failure } = await lake.run()
    const tables = (await lake.deps.catalog.listTables('sluice')).map((t) => t.Name).sort()
    const bounced = await lake.query('SELECT reason FROM orders_rejects ORDER BY id')
    const rejects = await lake.query('SELECT line FROM orders__rejects ORDER BY line')

    // Assess
    expect(failure).toBeUndefined()
    expect(tables).toEqual(['orders', 'orders__rejects', 'orders_rejects', 'orders_rejects__rejects'])
    expect(bounced).toEqual([{ reason: 'full mailbox' }, { reason: 'no such user' }])
    expect(rejects).toEqual([{ line: 19 }, { line: 43 }])
  })
})
