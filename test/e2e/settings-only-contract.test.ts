import { afterEach, describe, expect, it } from 'vitest'
import { createLake, type E2ELake } from '../support/e2e-lake'

const ORDERS = ['orders/orders-2024-05.csv', 'orders/orders-2024-06.csv']

describe('a contract of settings only', () => {
  const lakes: E2ELake[] = []

  afterEach(async () => {
    await Promise.all(lakes.splice(0).map((l) => l.dispose()))
  })

  /** A run over the orders files, with `contract` as the dataset's contract when given. */
  async function loadOrders(contract?: string) {
    const lake = await createLake({ seed: ORDERS })
    lakes.push(lake)
    if (contract !== undefined) await lake.putRaw('_contracts/orders.json', contract)
    const outcome = await lake.run()
    const table = await lake.deps.catalog.getTable(lake.deps.database, 'orders')
    const files = outcome.report.files.map((f) => ({ key: f.key, outcome: f.outcome, rowsOut: f.rowsOut, rowsRejected: f.rowsRejected, warnings: f.warnings }))
    return { outcome, columns: table?.StorageDescriptor.Columns, partitionKeys: table?.PartitionKeys, files, rows: (await lake.snapshot()).orders }
  }

  it('loads a dataset whose contract holds only tableFormat with the types, rows and warnings it gets without a contract', async () => {
    // Prepare
    const inferred = await loadOrders()

    // Act
    const settingsOnly = await loadOrders('{"tableFormat": "hive"}\n')

    // Assess
    expect(inferred.outcome.failure).toBeUndefined()
    expect(settingsOnly.outcome.failure).toBeUndefined()
    expect(inferred.columns!.map((c) => `${c.Name} ${c.Type}`)).toEqual(expect.arrayContaining(['order_id bigint', 'ordered_at timestamp', 'total_eur decimal(18,2)']))
    expect(settingsOnly.columns).toEqual(inferred.columns)
    expect(settingsOnly.partitionKeys).toEqual(inferred.partitionKeys)
    expect(settingsOnly.files).toEqual(inferred.files)
    expect(settingsOnly.files.map((f) => f.outcome)).toEqual(['loaded', 'loaded'])
    expect(settingsOnly.rows).toHaveLength(113)
    expect(settingsOnly.rows).toEqual(inferred.rows)
  })

  it('applies its other keys to the inferred columns: a null token of its own', async () => {
    // Prepare
    const inferred = await loadOrders()

    // Act
    const withTokens = await loadOrders('{"tableFormat": "hive", "nullTokens": ["pending"]}')

    // Assess
    expect(withTokens.outcome.failure).toBeUndefined()
    expect(withTokens.columns).toEqual(inferred.columns)
    const pending = inferred.rows.filter((r) => r.status === 'pending').length
    expect(pending).toBeGreaterThan(0)
    expect(withTokens.rows.filter((r) => r.status === null).length).toBe(inferred.rows.filter((r) => r.status === null).length + pending)
  })
})
