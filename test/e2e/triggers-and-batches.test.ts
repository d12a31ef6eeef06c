import { afterEach, describe, expect, it } from 'vitest'
import { createLake, type E2ELake, type RunOptions } from '../support/e2e-lake'

const RETURNS = {
  'returns/returns-2024-05.csv': 'return_id,order_id,reason\n1,50001,damaged\n2,50017,late\n',
  'returns/returns-2024-06.csv': 'return_id,order_id,reason\n3,50061,wrong size\n4,50062,changed mind\n5,50070,damaged\n',
}

describe('a backlog larger than one batch', () => {
  const lakes: E2ELake[] = []

  afterEach(async () => {
    await Promise.all(lakes.splice(0).map((l) => l.dispose()))
  })

  async function backlogLake(): Promise<E2ELake> {
    const lake = await createLake()
    lakes.push(lake)
    for (const [key, text] of Object.entries(RETURNS)) await lake.putRaw(key, text)
    return lake
  }

  it('is loaded in one execution, batch after batch, with the same results as one batch', async () => {
    // Prepare
    const batched = await backlogLake()
    const single = await backlogLake()
    let loads = 0
    const countLoads = (state: string, handler: (event: unknown) => Promise<unknown>) =>
      state === 'Load' ? (event: unknown) => ((loads += 1), handler(event)) : handler

    // Act
    const small = await batched.run(undefined, { settings: { batchSize: 2 }, wrap: countLoads })
    const whole = await single.run()
    const smallResults = await batched.snapshot()
    const wholeResults = await single.snapshot()

    // Assess
    expect(small.failure).toBeUndefined()
    expect(loads).toBe(3)
    expect(small.report.totals).toMatchObject({ files: 6, loaded: 6, failed: 0, skipped: 0 })
    expect(whole.report.totals).toMatchObject({ files: 6, loaded: 6 })
    expect(smallResults.returns).toHaveLength(5)
    expect(smallResults).toEqual(wholeResults)
  })
})

describe('the workflow input', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('processes only the dropped key on an object trigger', async () => {
    // Prepare
    lake = await createLake()

    // Act
    const { report, failure } = await lake.run({ trigger: 'object', key: 'orders/orders-2024-06.csv' })
    const tables = await lake.query('SELECT DISTINCT table_name FROM information_schema.tables ORDER BY 1')
    const orders = await lake.query('SELECT count(*) AS n, min(order_id) AS first FROM orders')

    // Assess
    expect(failure).toBeUndefined()
    expect(report.trigger).toBe('object')
    expect(report.files).toMatchObject([{ key: 'orders/orders-2024-06.csv', outcome: 'loaded', rowsOut: 55 }])
    expect(report.totals).toMatchObject({ files: 1, loaded: 1 })
    expect(tables.map((t) => t.table_name)).toEqual(['orders', 'orders__rejects'])
    expect(orders).toEqual([{ n: 55, first: 50061 }])
  })

  it('finds a dropped key given URL-encoded, as S3 event notifications send it', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('orders/May 2024+extra.csv', 'order_id,total\n1,2.50\n')

    // Act
    const { report, failure } = await lake.run({ trigger: 'object', key: 'orders/May+2024%2Bextra.csv' })

    // Assess
    expect(failure).toBeUndefined()
    expect(report.files).toMatchObject([{ key: 'orders/May 2024+extra.csv', outcome: 'loaded', rowsOut: 1 }])
  })

  it('reports an already loaded key as skipped on an object trigger', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-06.csv'] })
    await lake.run()
    const before = await lake.snapshot()

    // Act
    const { report, failure } = await lake.run({ trigger: 'object', key: 'orders/orders-2024-06.csv' })

    // Assess
    expect(failure).toBeUndefined()
    expect(report.files).toMatchObject([{ key: 'orders/orders-2024-06.csv', outcome: 'skipped' }])
    expect(report.totals).toMatchObject({ files: 1, loaded: 0, skipped: 1 })
    expect(await lake.snapshot()).toEqual(before)
  })

  it('fails an unknown input with InvalidInputError naming the expected input, loading nothing', async () => {
    // Prepare
    lake = await createLake()

    // Act
    const running = lake.run({ trigger: 'nightly' })

    // Assess
    await expect(running).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining(
        'input: expected {"trigger":"schedule"}, {"trigger":"object","key":"<raw key>"}, {"trigger":"object","keys":[…]}, {"trigger":"reprocess","dataset":"<dataset>"} or a batch of queued S3 events, got {"trigger":"nightly"}',
      ),
    })
    expect(await lake.curatedKeys()).toEqual([])
  })
})

describe('a throttled Transform', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('is retried until Lambda takes it, and its file is loaded, not failed', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-06.csv'] })
    let throttles = 0
    const throttled: RunOptions['wrap'] = (state, handler) =>
      state !== 'Transform'
        ? handler
        : async (event) => {
            if (throttles < 7) {
              throttles += 1
              throw Object.assign(new Error('Rate Exceeded.'), { name: 'Lambda.TooManyRequestsException' })
            }
            return handler(event)
          }

    // Act
    const { report, failure } = await lake.run(undefined, { wrap: throttled, retryIntervals: { Transform: 0 } })
    const orders = await lake.query('SELECT count(*) AS n FROM orders')

    // Assess
    expect(failure).toBeUndefined()
    expect(throttles).toBe(7)
    expect(report.files).toMatchObject([{ key: 'orders/orders-2024-06.csv', outcome: 'loaded', rowsOut: 55 }])
    expect(report.totals).toMatchObject({ files: 1, loaded: 1, failed: 0 })
    expect(orders).toEqual([{ n: 55 }])
  })
})
