import { describe, expect, it } from 'vitest'
import type { PlannedFile } from '../../functions/core/lake/plan-files'
import type { PlannedBatch } from '../../functions/core/lake/workflow-types'
import { itemsPerTransform, MAX_ITEMS_PER_TRANSFORM, TRANSFORM_BYTES, writeBatch } from '../../functions/plan/write-batch'

const file = (key: string, size: number, range?: PlannedFile['range']): PlannedFile => ({ key, etag: 'e', size, dataset: 'orders', fileId: key, ...(range ? { range } : {}) })

function planned(items: PlannedFile[]): PlannedBatch {
  return {
    runId: 'run-1', trigger: 'schedule', ingestDate: '2024-07-01', startedAt: '2024-07-01T06:00:00.000Z', items, more: false, pending: 0, skipped: 0,
    contracts: ['orders'], tables: { orders: [{ name: 'id', type: 'bigint' }] }, maxConcurrency: 8, excise: {}, reported: 1500, failed: 0, failedCause: '',
  }
}

/** The text objects written, by key. */
function memory() {
  const objects = new Map<string, string>()
  return { objects, store: { writeText: async (key: string, text: string) => void objects.set(key, text) } }
}

describe('a planned batch written for the Distributed Map', () => {
  it('puts the items and the shared fields in the curated zone and leaves only their keys and counts in the state', async () => {
    // Prepare
    const { objects, store } = memory()
    const items = Array.from({ length: 600 }, (_, i) => file(`orders/${'x'.repeat(110)}-${i}.csv`, 100))

    // Act
    const state = await writeBatch(store, 'curated', planned(items))

    // Assess
    expect(state.batch).toEqual({
      bucket: 'curated', key: '_batches/run-1/0001500/items.json', context: '_batches/run-1/0001500/context.json', results: '_batches/run-1/0001500/results', files: 600, itemsPerBatch: MAX_ITEMS_PER_TRANSFORM,
    })
    expect('items' in state || 'tables' in state || 'contracts' in state).toBe(false)
    expect(JSON.stringify(state).length).toBeLessThan(1000)
    expect(JSON.parse(objects.get(state.batch.key)!)).toEqual(items)
    expect(JSON.parse(objects.get(state.batch.context)!)).toEqual({ runId: 'run-1', contracts: ['orders'], tables: { orders: [{ name: 'id', type: 'bigint' }] } })
  })

  it('writes the same objects at the same keys when Plan is retried', async () => {
    // Prepare
    const first = memory()
    const again = memory()
    const batch = planned([file('orders/a.csv', 10), file('orders/b.csv', 20)])

    // Act
    const one = await writeBatch(first.store, 'curated', batch)
    const two = await writeBatch(again.store, 'curated', batch)

    // Assess
    expect(two).toEqual(one)
    expect([...again.objects]).toEqual([...first.objects])
  })

  it('writes nothing for an empty batch, whose state says 0 files', async () => {
    // Prepare
    const { objects, store } = memory()

    // Act
    const state = await writeBatch(store, 'curated', planned([]))

    // Assess
    expect(state.batch.files).toBe(0)
    expect(objects.size).toBe(0)
  })

  it('hands Transform fewer files at once as they grow, and a large range alone', () => {
    expect(itemsPerTransform([file('orders/a.csv', 1000)])).toBe(MAX_ITEMS_PER_TRANSFORM)
    expect(itemsPerTransform([file('orders/a.csv', 1000), file('orders/b.csv', TRANSFORM_BYTES / 4)])).toBe(4)
    expect(itemsPerTransform([file('orders/a.csv', 8 * 1024 ** 3, { index: 0, count: 4 })])).toBe(1)
    expect(itemsPerTransform([file('orders/a.csv', 8 * 1024 ** 3, { index: 0, count: 64 })])).toBe(8)
  })
})
