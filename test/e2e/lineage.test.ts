import { afterEach, describe, expect, it } from 'vitest'
import { createLake, type E2ELake } from '../support/e2e-lake'

const NEXT_DAY = new Date('2024-07-02T06:00:00.000Z')

describe('lineage columns', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('stamps every curated row with its raw key and the run that loaded it, and keeps them true after a replacement', async () => {
    // Prepare
    lake = await createLake()
    const first = await lake.run(undefined, { runId: 'first-run' })
    await lake.putRaw('orders/orders-2024-06.csv', 'order_id,customer_id,ordered_at,status,items,total_eur,note\n99001,7,2024-06-30T10:00:00Z,pending,1,9.99,\n')

    // Act
    const before = await lake.query('SELECT _sluice_source AS source, _sluice_run_id AS run, count(*) AS n FROM orders GROUP BY ALL ORDER BY ALL')
    await lake.run(undefined, { runId: 'second-run', startTime: NEXT_DAY })
    const after = await lake.query('SELECT _sluice_source AS source, _sluice_run_id AS run, count(*) AS n FROM orders GROUP BY ALL ORDER BY ALL')
    const types = await lake.query(`SELECT column_name, column_type FROM (DESCRIBE orders) WHERE column_name LIKE '_sluice%' ORDER BY ALL`)

    const may = first.report.files.find((f) => f.key === 'orders/orders-2024-05.csv')!
    const selected = await lake.query(may.queries!.rows!)
    const rejected = await lake.query(may.queries!.rejects)

    // Assess
    expect(first.failure).toBeUndefined()
    expect(selected).toHaveLength(58)
    expect(rejected.map((r) => r.line)).toEqual([19, 43])
    expect(before).toEqual([
      { source: 'orders/orders-2024-05.csv', run: 'first-run', n: 58 },
      { source: 'orders/orders-2024-06.csv', run: 'first-run', n: 55 },
    ])
    expect(after).toEqual([
      { source: 'orders/orders-2024-05.csv', run: 'first-run', n: 58 },
      { source: 'orders/orders-2024-06.csv', run: 'second-run', n: 1 },
    ])
    expect(types).toEqual([
      { column_name: '_sluice_run_id', column_type: 'VARCHAR' },
      { column_name: '_sluice_source', column_type: 'VARCHAR' },
    ])
  })

  it('stamps the rows of a reprocessed dataset with the reprocess run', async () => {
    // Prepare
    lake = await createLake()
    await lake.run(undefined, { runId: 'first-run' })

    // Act
    const rebuilt = await lake.run({ trigger: 'reprocess', dataset: 'orders' }, { runId: 'rebuild-run', startTime: NEXT_DAY })
    const lineage = await lake.query('SELECT _sluice_source AS source, _sluice_run_id AS run, count(*) AS n FROM orders GROUP BY ALL ORDER BY ALL')

    // Assess
    expect(rebuilt.failure).toBeUndefined()
    expect(lineage).toEqual([
      { source: 'orders/orders-2024-05.csv', run: 'rebuild-run', n: 58 },
      { source: 'orders/orders-2024-06.csv', run: 'rebuild-run', n: 55 },
    ])
  })

  it('leaves the lineage columns out of a dataset whose contract turns lineage off', async () => {
    // Prepare
    lake = await createLake({ seed: ['customers/customers.csv'] })
    await lake.putRaw('_contracts/customers.json', JSON.stringify({ lineage: false, columns: [] }))

    // Act
    const { failure } = await lake.run()
    const columns = (await lake.deps.catalog.getTable('sluice', 'customers'))!.StorageDescriptor.Columns.map((c) => c.Name)

    // Assess
    expect(failure).toBeUndefined()
    expect(columns.filter((c) => c.startsWith('_'))).toEqual([])
    expect(columns).toContain('customer_id')
  })
})
