import { afterEach, describe, expect, it } from 'vitest'
import { dropDataset, planDrop } from '../../cli/ops/drop-dataset'
import { lakeStatus } from '../../cli/ops/lake-status'
import { runHistory } from '../../cli/ops/run-history'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'

const NEXT_DAY = new Date(START_TIME.getTime() + 24 * 3600 * 1000)
/** 16 rows, 12 with the wrong field count: over the threshold and the minimum of 10 rejected rows. */
const RETURNS_BAD = `return_id,order_id,reason\n${Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? `${i + 1},500${i + 1},damaged` : `${i + 1},500${i + 1}`)).join('\n')}\n`
const JULY = 'order_id,customer_id,ordered_at,status,items,total_eur,note\n50200,1001,2024-07-01T10:00:00Z,pending,2,10.50,\n'

describe('the run history, the status of a lake, and dropping a dataset', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('lists the runs newest first, each with its totals', async () => {
    // Prepare
    lake = await createLake()
    await lake.run()
    await lake.putRaw('returns/returns.csv', RETURNS_BAD)
    await lake.run(undefined, { startTime: NEXT_DAY })

    // Act
    const runs = await runHistory(lake.deps.curated)

    // Assess
    expect(runs.map((r) => [r.startedAt, r.status])).toEqual([
      [NEXT_DAY.toISOString(), 'failed'],
      [START_TIME.toISOString(), 'succeeded'],
    ])
    expect(runs[0]!.totals).toMatchObject({ files: 1, quarantined: 1, skipped: 4, rowsIn: 16 })
    expect(runs[1]!.totals).toMatchObject({ files: 4, loaded: 4, rowsIn: 233, rowsOut: 230, rowsRejected: 3 })
    expect(runs[0]).not.toHaveProperty('files')
  })

  it('shows per dataset the last load, the rows, the files pending and the quarantined ones with their reasons', async () => {
    // Prepare
    lake = await createLake()
    await lake.run()
    await lake.putRaw('returns/returns.csv', RETURNS_BAD)
    await lake.run(undefined, { startTime: NEXT_DAY })
    await lake.putRaw('orders/orders-2024-07.csv', JULY)

    // Act
    const status = await lakeStatus(lake.deps)

    // Assess
    expect(status.map((s) => [s.dataset, s.files, s.rows, s.pending.length, s.failed.length, s.quarantined.length])).toEqual([
      ['customers', 1, 48, 0, 0, 0],
      ['orders', 2, 113, 1, 0, 0],
      ['payments', 1, 69, 0, 0, 0],
      ['returns', 0, 0, 0, 0, 1],
    ])
    expect(status[1]!.pending).toEqual([{ key: 'orders/orders-2024-07.csv', reason: 'new' }])
    expect(status[1]!.lastLoad).toEqual(expect.any(String))
    expect(status[3]!.lastLoad).toBeNull()
    expect(status[3]!.quarantined).toEqual([{ key: 'returns/returns.csv', reason: expect.stringMatching(/^RejectThresholdError: rejects: 12 of 16 rows/), runId: expect.any(String), at: expect.any(String) }])
  })

  it('drops a dataset: its tables, ledger and curated objects go, its raw files stay, and the next run loads them again once', async () => {
    // Prepare
    lake = await createLake()
    await lake.run()
    const before = await lake.query('SELECT count(*) AS n FROM orders')

    // Act
    const plan = await planDrop(lake.deps, 'orders')
    await dropDataset(lake.deps, plan)
    const tables = (await lake.deps.catalog.listTables('sluice')).map((t) => t.Name)
    const left = (await lake.curatedKeys()).filter((k) => /^(orders|orders__rejects|_ledger\/orders|_site\/files\/orders)\/|^_site\/datasets\/orders\.json$/.test(k))
    const raw = await lake.deps.raw.head('orders/orders-2024-05.csv')
    const reload = await lake.run(undefined, { startTime: NEXT_DAY })
    const after = await lake.query('SELECT count(*) AS n, count(DISTINCT order_id) AS ids FROM orders')

    // Assess
    expect(plan.tables).toEqual(['orders', 'orders__rejects'])
    expect(plan.objects.length).toBeGreaterThan(0)
    expect(tables).toEqual(['customers', 'customers__rejects', 'payments', 'payments__rejects'])
    expect(left).toEqual([])
    expect(raw).toBeDefined()
    expect(reload.report.totals).toMatchObject({ loaded: 2, skipped: 2 })
    expect(after).toEqual([{ n: before[0]!['n'], ids: before[0]!['n'] }])
  })
})
