import { afterEach, describe, expect, it } from 'vitest'
import { fileId } from '../../functions/core/lake/lake-layout'
import { receiptKey, type Receipt } from '../../functions/core/lake/receipt'
import { createLake, type E2ELake } from '../support/e2e-lake'

describe('receipts of a folder lake', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
  })

  const receipt = async (key: string) => JSON.parse((await lake!.deps.curated.readText(receiptKey('orders', fileId(key))))!) as Receipt

  it('follows a file through its load, its replacement and its deletion', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'] })
    const good = Array.from({ length: 20 }, (_, i) => `${i + 1},${i}.5\n`).join('')
    await lake.putRaw('orders/extra.csv', `order_id,total_eur\n${good}21,20,surplus\n`)
    const first = await lake.run()
    const loaded = await receipt('orders/extra.csv')
    const rejects = await lake.query(loaded.queries!.rejects)

    // Act
    await lake.putRaw('orders/extra.csv', 'order_id,total_eur\n1,10.5\n2,20\n3,30\n')
    const second = await lake.run()
    const replaced = await receipt('orders/extra.csv')
    const rows = await lake.query(replaced.queries!.rows!)
    const version = (await lake.deps.raw.head('orders/extra.csv'))?.etag
    await lake.deleteRaw('orders/extra.csv')
    const third = await lake.run()
    const retracted = await receipt('orders/extra.csv')

    // Assess
    expect(loaded).toMatchObject({ status: 'loaded', runId: first.report.runId, rowsIn: 21, rowsLoaded: 20, rowsRejected: 1 })
    expect(rejects).toHaveLength(1)
    expect(replaced).toMatchObject({ status: 'loaded', runId: second.report.runId, rowsLoaded: 3, rowsRejected: 0, etag: version })
    expect(replaced.etag).not.toBe(loaded.etag)
    expect(rows).toHaveLength(3)
    expect(retracted).toMatchObject({ status: 'retracted', runId: third.report.runId, etag: '', rowsRetracted: 3 })
    expect((await receipt('orders/orders-2024-05.csv')).runId).toBe(first.report.runId)
  })
})
