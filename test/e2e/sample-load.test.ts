import { afterEach, describe, expect, it } from 'vitest'
import { createLake, SAMPLE_FILES, START_TIME, type E2ELake } from '../support/e2e-lake'
import { isNullText, isRealDayFirstDate, sampleRows, sumDecimal } from '../support/sample-csv'

describe('a sweep of the sample raw zone', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('loads every sample file so that counts and sums equal those of the CSV files', async () => {
    // Prepare
    lake = await createLake()
    const orders = [...sampleRows('orders/orders-2024-05.csv', ','), ...sampleRows('orders/orders-2024-06.csv', ',')]
    const payments = sampleRows('payments/payments-2024-q2.csv.gz', '|').filter((r) => isRealDayFirstDate(r.paid_on))
    const customers = sampleRows('customers/customers.csv', ';')

    // Act
    const { report, failure } = await lake.run()
    const tables = await lake.query('SELECT table_name FROM information_schema.tables ORDER BY 1')
    const orderTotals = await lake.query('SELECT count(*) AS n, sum(total_eur) AS total FROM sluice.orders')
    const paymentTotals = await lake.query('SELECT count(*) AS n, sum(amount) AS total FROM payments')
    const customerTotals = await lake.query('SELECT count(*) AS n, count(*) FILTER (WHERE newsletter) AS subscribed FROM customers')

    // Assess
    expect(failure).toBeUndefined()
    expect(report.files.map((f) => [f.key, f.outcome]).sort()).toEqual(SAMPLE_FILES.map((key) => [key, 'loaded']))
    expect(report.totals).toMatchObject({ files: 4, loaded: 4, failed: 0, skipped: 0, rowsRejected: 3 })
    expect([...new Set(tables.map((t) => t.table_name))]).toEqual(['customers', 'customers__rejects', 'orders', 'orders__rejects', 'payments', 'payments__rejects'])
    expect(orderTotals).toEqual([{ n: orders.length, total: sumDecimal(orders.map((r) => r.total_eur).filter((v) => !isNullText(v)), 2) }])
    expect(paymentTotals).toEqual([{ n: payments.length, total: sumDecimal(payments.map((r) => r.amount), 2) }])
    expect(customerTotals).toEqual([{ n: customers.length, subscribed: customers.filter((r) => r.Newsletter === 'true').length }])
  })

  it('processes no file on a rerun and leaves the query results unchanged', async () => {
    // Prepare
    lake = await createLake()
    await lake.run()
    const before = await lake.snapshot()

    // Act
    const { report, failure } = await lake.run()
    const after = await lake.snapshot()

    // Assess
    expect(failure).toBeUndefined()
    expect(report.totals).toMatchObject({ files: 0, loaded: 0, failed: 0, skipped: 4 })
    expect(after).toEqual(before)
  })

  it('loads the good rows of a file with bad rows and answers its rejects with their line numbers and reasons', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'] })
    const good = sampleRows('orders/orders-2024-05.csv', ',')

    // Act
    const { report } = await lake.run()
    const loaded = await lake.query('SELECT count(*) AS n FROM orders')
    const rejects = await lake.query('SELECT line, error_code, error_message, source FROM orders__rejects ORDER BY line')

    // Assess
    expect(report.files).toMatchObject([{ key: 'orders/orders-2024-05.csv', outcome: 'loaded', rowsIn: 60, rowsOut: 58, rowsRejected: 2 }])
    expect(loaded).toEqual([{ n: good.length }])
    expect(rejects).toEqual([
      { line: 19, error_code: 'column_count', error_message: 'csv: expected 7 fields, found 4', source: 'orders/orders-2024-05.csv' },
      { line: 43, error_code: 'column_count', error_message: 'csv: expected 7 fields, found 8', source: 'orders/orders-2024-05.csv' },
    ])
  })

  it('puts the rows of a run in the ingest date of its start time', async () => {
    // Prepare
    lake = await createLake({ seed: ['customers/customers.csv'] })

    // Act
    const { report } = await lake.run(undefined, { startTime: START_TIME })
    const dates = await lake.query('SELECT DISTINCT ingest_date FROM customers')

    // Assess
    expect(report.ingestDate).toBe('2024-07-01')
    expect(report.files[0]?.outputs).toEqual([expect.stringMatching(/^customers\/ingest_date=2024-07-01\/[0-9a-f]+-[0-9a-f]{12}-00000\.parquet$/)])
    expect(dates).toEqual([{ ingest_date: '2024-07-01' }])
  })
})
