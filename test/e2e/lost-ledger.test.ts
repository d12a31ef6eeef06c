import { isIcebergDataset } from '../../functions/load/iceberg-sync'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { examineLake, repairDataset } from '../../cli/ops/lake-doctor'
import { createLake, type E2ELake, type Row } from '../support/e2e-lake'

/** Rows of each table, grouped by their lineage, so a doubled file shows as a count of 2. */
const copiesPerRow = (lake: E2ELake) =>
  lake.query(`
    SELECT 'orders' AS t, n, count(*) AS rows FROM (SELECT order_id, count(*) AS n FROM orders GROUP BY ALL) GROUP BY ALL
    UNION ALL SELECT 'customers', n, count(*) FROM (SELECT customer_id, count(*) AS n FROM customers GROUP BY ALL) GROUP BY ALL
    ORDER BY ALL`)

describe('a ledger deleted by hand', () => {
  let clean: Record<string, Row[]>
  let lake: E2ELake | undefined

  beforeAll(async () => {
    const reference = await createLake()
    await reference.run()
    clean = await reference.snapshot()
    await reference.dispose()
  })

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('makes the next sweep refuse to load, naming sluice doctor, and leaves every row once', async () => {
    // Prepare
    lake = await createLake()
    await lake.run()
    await rm(join(lake.dir, 'curated', '_ledger'), { recursive: true })

    // Act
    const sweep = await lake.run().then((o) => o.failure, (e: unknown) => e)
    const after = await lake.snapshot()

    // Assess
    expect(String((sweep as { cause?: unknown })?.cause ?? sweep)).toMatch(/ledger of customers, orders, payments is empty .*sluice doctor/)
    expect(after).toEqual(clean)
  })

  it('is reported by doctor, whose fix lets the next sweep load every row once', async () => {
    // Prepare
    lake = await createLake()
    await lake.run()
    await rm(join(lake.dir, 'curated', '_ledger'), { recursive: true })

    // Act
    const found = await examineLake(lake.deps)
    for (const report of found) await repairDataset(lake.deps, report)
    const afterFix = await examineLake(lake.deps)
    const rerun = await lake.run()

    // Assess
    expect(found.map((r) => [r.dataset, r.ledgerEmpty, r.tables])).toEqual([
      ['customers', true, ['customers', 'customers__rejects']],
      ['orders', true, ['orders', 'orders__rejects']],
      ['payments', true, ['payments', 'payments__rejects']],
    ])
    expect(found.every((r) => r.orphans.length > 0 && r.orphans.every((o) => o.key.endsWith('.parquet')))).toBe(true)
    expect(afterFix).toEqual([])
    expect(rerun.failure).toBeUndefined()
    expect(await lake.snapshot()).toEqual(clean)
  })

  it('lets doctor remove the parts a load beside them left orphaned, so no row stays doubled', async () => {
    // Prepare: a dropped key is loaded again beside its old parts, which no head owns any more.
    lake = await createLake()
    await lake.run()
    await rm(join(lake.dir, 'curated', '_ledger'), { recursive: true })
    await lake.run({ trigger: 'object', key: 'orders/orders-2024-05.csv' })
    const doubled = await copiesPerRow(lake)

    // Act
    const found = await examineLake(lake.deps)
    for (const report of found) await repairDataset(lake.deps, report)
    const rerun = await lake.run()

    // Assess
    // A Hive table reads both loads' parts; an Iceberg snapshot replaces the file's parts with the new ones.
    expect(doubled.some((r) => Number(r.n) === 2)).toBe(!(await isIcebergDataset(lake.deps, 'orders')))
    const orders = found.find((r) => r.dataset === 'orders')!
    expect(orders.ledgerEmpty).toBe(false)
    expect(orders.orphans.length).toBeGreaterThan(0)
    expect(rerun.failure).toBeUndefined()
    expect((await copiesPerRow(lake)).every((r) => Number(r.n) === 1)).toBe(true)
    expect(await lake.snapshot()).toEqual(clean)
  })
})
