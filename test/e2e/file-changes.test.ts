import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { releaseQuarantine } from '../../cli/ops/retry-file'
import { createLake, SAMPLE_DATA, START_TIME, type E2ELake } from '../support/e2e-lake'
import { expireDataset } from '../../functions/load/expire-tables'
import { csvRows, isNullText, sampleRows, sumDecimal } from '../support/sample-csv'

const NEXT_DAY = new Date(START_TIME.getTime() + 24 * 3600 * 1000)

const MAY_REWRITTEN = [
  'order_id,customer_id,ordered_at,status,items,total_eur,note',
  '50001,1048,2024-05-01T04:19:00+02:00,delivered,4,130.00,corrected',
  '50002,1005,2024-05-26T22:55:00+02:00,shipped,3,229.01,',
  '50999,1011,2024-05-31T23:00:00+02:00,pending,1,9.99,late entry',
  '',
].join('\n')

const JULY_WORDS = [
  'order_id,customer_id,ordered_at,status,items,total_eur,note,coupon_code',
  '50200,1001,2024-07-01T10:00:00Z,pending,two,10.50,,',
  '50201,1002,2024-07-02T10:00:00Z,pending,a few,11.25,,SUMMER',
  '',
].join('\n')

const RETURNS_HEADER = 'return_id,order_id,reason'
/**
 * 20 rows, 12 of them with the wrong field count: far over the 5 % threshold, and over the 10
 * rejected rows from which the threshold applies.
 */
const RETURNS_MOSTLY_BAD = [
  RETURNS_HEADER,
  ...Array.from({ length: 20 }, (_, i) => {
    const id = i + 1
    const bad = [`${id},500${id}`, `${id},500${id},late,extra`, `${id}`][i % 3]
    return i % 5 === 0 || i % 5 === 3 ? `${id},500${id},damaged` : bad
  }),
  '',
].join('\n')

describe('files that change between runs', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('replaces the rows of a raw file whose content changed, leaving none of its old rows, rejects or objects', async () => {
    // Prepare
    lake = await createLake()
    const first = await lake.run()
    const oldOutputs = first.report.files.find((f) => f.key === 'orders/orders-2024-05.csv')!.outputs
    await lake.putRaw('orders/orders-2024-05.csv', MAY_REWRITTEN)
    const expected = [...csvRows(MAY_REWRITTEN, ','), ...sampleRows('orders/orders-2024-06.csv', ',')]

    // Act
    const second = await lake.run(undefined, { startTime: NEXT_DAY })
    const totals = await lake.query('SELECT count(*) AS n, count(DISTINCT order_id) AS ids, sum(total_eur) AS total FROM orders')
    const may = await lake.query(`SELECT order_id, status, total_eur, note FROM orders WHERE order_id < 50061 OR order_id > 50900 ORDER BY order_id`)
    const rejects = await lake.query('SELECT count(*) AS n FROM orders__rejects')
    const newOutputs = second.report.files[0]?.outputs ?? []
    const fileId = /\/([0-9a-f]+)-[0-9a-f]+-\d+\.parquet$/.exec(newOutputs[0] ?? '')?.[1]
    // An Iceberg table keeps the replaced parts for its earlier snapshot until expiry removes them.
    await expireDataset(lake.deps, 'orders', new Date(Date.now() + 25 * 3_600_000))
    const curatedOfFile = (await lake.curatedKeys()).filter((k) => k.endsWith('.parquet') && !k.startsWith('_') && k.includes(`/${fileId}-`))

    // Assess
    expect(second.failure).toBeUndefined()
    expect(second.report.files).toMatchObject([{ key: 'orders/orders-2024-05.csv', outcome: 'loaded', rowsIn: 3, rowsOut: 3, rowsRejected: 0 }])
    expect(second.report.totals).toMatchObject({ files: 1, loaded: 1, skipped: 3 })
    expect(totals).toEqual([{ n: expected.length, ids: expected.length, total: sumDecimal(expected.map((r) => r.total_eur).filter((v) => !isNullText(v)), 2) }])
    expect(may).toEqual([
      { order_id: 50001, status: 'delivered', total_eur: '130.00', note: 'corrected' },
      { order_id: 50002, status: 'shipped', total_eur: '229.01', note: null },
      { order_id: 50999, status: 'pending', total_eur: '9.99', note: 'late entry' },
    ])
    expect(rejects).toEqual([{ n: 0 }])
    expect(curatedOfFile.sort()).toEqual([...newOutputs].sort())
    const left = await Promise.all(oldOutputs.filter((k) => !newOutputs.includes(k)).map((k) => lake!.deps.curated.head(k)))
    expect(left.filter(Boolean)).toEqual([])
  })

  it('adds the column of a later file with an extra column, which earlier rows read as null', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'] })
    await lake.run()
    await lake.putRaw('orders/orders-2024-06.csv', await readFile(join(SAMPLE_DATA, 'orders/orders-2024-06.csv')))
    const june = sampleRows('orders/orders-2024-06.csv', ',')

    // Act
    const { report } = await lake.run()
    const coupons = await lake.query(
      `SELECT order_id >= 50061 AS june, count(*) AS n, count(coupon_code) AS with_coupon FROM orders GROUP BY ALL ORDER BY ALL`,
    )

    // Assess
    expect(report.files).toMatchObject([{ key: 'orders/orders-2024-06.csv', outcome: 'loaded' }])
    expect(coupons).toEqual([
      { june: false, n: 58, with_coupon: 0 },
      { june: true, n: june.length, with_coupon: june.filter((r) => !isNullText(r.coupon_code)).length },
    ])
  })

  it.each([
    ['words', JULY_WORDS, 'items__string', 'VARCHAR', ['two', 'a few']],
  ])('loads a later file whose items are %s into a variant column and warns about it in the run report', async (_, csv, variant, duckType, values) => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv', 'orders/orders-2024-06.csv'] })
    await lake.run()
    await lake.putRaw('orders/orders-2024-07.csv', csv)

    // Act
    const { report, failure } = await lake.run()
    const columns = await lake.query(`SELECT column_name, column_type FROM (DESCRIBE orders) WHERE column_name LIKE 'items%' ORDER BY 1`)
    const earlier = await lake.query(`SELECT count(*) AS n, count(items) AS items, count("${variant}") AS variant FROM orders WHERE order_id < 50200`)
    const later = await lake.query(`SELECT items, CAST("${variant}" AS VARCHAR) AS variant FROM orders WHERE order_id >= 50200 ORDER BY order_id`)

    // Assess
    expect(failure).toBeUndefined()
    expect(report.files).toMatchObject([{ key: 'orders/orders-2024-07.csv', outcome: 'loaded', rowsOut: 2, variantValues: 2 }])
    expect(report.totals.variantValues).toBe(2)
    expect(report.files[0]?.warnings).toEqual([expect.stringContaining(variant)])
    expect(columns).toEqual([
      { column_name: 'items', column_type: 'BIGINT' },
      { column_name: variant, column_type: duckType },
    ])
    expect(earlier).toEqual([{ n: 113, items: 113, variant: 0 }])
    expect(later).toEqual(values.map((v) => ({ items: null, variant: v })))
  })
})

describe('a file over its reject threshold', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('is quarantined: the other files load, the run ends in FilesFailed naming it, and a rerun leaves it alone', async () => {
    // Prepare
    lake = await createLake()
    await lake.putRaw('returns/returns-2024-06.csv', RETURNS_MOSTLY_BAD)

    // Act
    const first = await lake.run()
    const tables = await lake.query('SELECT DISTINCT table_name FROM information_schema.tables ORDER BY 1')
    const orders = await lake.query('SELECT count(*) AS n FROM orders')
    const rerun = await lake.run()

    // Assess
    expect(first.failure?.error).toBe('FilesFailed')
    expect(first.failure?.cause).toMatch(/returns\/returns-2024-06\.csv: RejectThresholdError: .*12 of 20 rows.*\(quarantined\)/)
    expect(first.report.status).toBe('failed')
    expect(first.report.totals).toMatchObject({ files: 5, loaded: 4, failed: 0, quarantined: 1 })
    expect(first.report.files.find((f) => f.outcome === 'quarantined')).toMatchObject({
      key: 'returns/returns-2024-06.csv',
      rowsIn: 20,
      rowsRejected: 12,
      reason: expect.stringMatching(/^RejectThresholdError: /),
      note: expect.stringContaining('sluice retry returns/returns-2024-06.csv'),
    })
    expect(tables.map((t) => t.table_name)).not.toContain('returns')
    expect(orders).toEqual([{ n: 113 }])
    expect(rerun.failure).toBeUndefined()
    expect(rerun.report.totals).toMatchObject({ files: 0, failed: 0, skipped: 4 })
  })

  it('tries a quarantined file again after retry, and quarantines it again when it still fails', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-06.csv'] })
    await lake.putRaw('returns/returns-2024-06.csv', RETURNS_MOSTLY_BAD)
    await lake.run()

    // Act
    const released = await releaseQuarantine(lake.deps.curated, 'returns/returns-2024-06.csv')
    const again = await lake.run()
    const afterwards = await lake.run()

    // Assess
    expect(released).toMatchObject([{ key: 'returns/returns-2024-06.csv', rowsIn: 20, reason: expect.stringMatching(/^RejectThresholdError: /) }])
    expect(again.report.files).toMatchObject([{ key: 'returns/returns-2024-06.csv', outcome: 'quarantined' }])
    expect(afterwards.report.totals).toMatchObject({ files: 0, skipped: 1 })
    await expect(releaseQuarantine(lake.deps.curated, 'orders/orders-2024-06.csv')).rejects.toThrow(/is not quarantined/)
  })

  it('loads the file once it is fixed', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-06.csv'] })
    await lake.putRaw('returns/returns-2024-06.csv', RETURNS_MOSTLY_BAD)
    await lake.run()
    await lake.putRaw('returns/returns-2024-06.csv', `${RETURNS_HEADER}\n1,50001,damaged\n5,50005,wrong size\n`)

    // Act
    const { report, failure } = await lake.run()
    const returns = await lake.query('SELECT return_id, reason FROM returns ORDER BY 1')

    // Assess
    expect(failure).toBeUndefined()
    expect(report.files).toMatchObject([{ key: 'returns/returns-2024-06.csv', outcome: 'loaded' }])
    expect(returns).toEqual([
      { return_id: 1, reason: 'damaged' },
      { return_id: 5, reason: 'wrong size' },
    ])
  })
})
