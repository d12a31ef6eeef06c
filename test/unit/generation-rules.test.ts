import { describe, expect, it } from 'vitest'
import { builtKey, generationFor, parseBuiltKey, tableBase } from '../../functions/core/lake/generation'
import { committedKey, intentFate, parseLedgerKey, publishIdOf, versionId, type PublishIntent } from '../../functions/core/lake/ledger'
import { fileId } from '../../functions/core/lake/lake-layout'
import { parseWorkflowInput, planBatch } from '../../functions/core/lake/plan-files'
import { InvalidInputError } from '../../functions/core/errors'

const NOW = new Date('2024-07-01T12:00:00.000Z')

describe('table generations', () => {
  it('gives a reprocess run and its successors one generation, and any other run another', () => {
    expect(generationFor('run-1-c2')).toBe(generationFor('run-1'))
    expect(generationFor('run-1-c3')).toBe(generationFor('run-1'))
    expect(generationFor('run-2')).not.toBe(generationFor('run-1'))
    expect(tableBase('orders', '')).toBe('orders')
    expect(tableBase('orders', 'abc123')).toBe('orders/gen=abc123')
  })

  it('names the generation of a committed version in its index entry, and none for the first', () => {
    const id = fileId('orders/a.csv')
    expect(parseLedgerKey(committedKey('orders', id, 'e1'))).toEqual({ kind: 'committed', fileId: id, version: versionId('e1') })
    expect(parseLedgerKey(committedKey('orders', id, 'e1', 'abc123'))).toEqual({ kind: 'committed', fileId: id, version: versionId('e1'), generation: 'abc123' })
  })

  it('keeps built files and the shadow catalog out of what the ledger listing reads as a file', () => {
    const id = fileId('orders/a.csv')
    const built = builtKey('orders', 'abc123', id, 'e1')
    expect(parseLedgerKey(built)).toBeUndefined()
    expect(parseLedgerKey('_ledger/orders/_rebuild/abc123/catalog.json')).toBeUndefined()
    expect(parseBuiltKey(built)).toBe(`${id}--${versionId('e1')}`)
  })

  it('gives the same run a new publish id when it loads a version again into another generation', () => {
    expect(publishIdOf('run-1', 'e', '')).toBe(publishIdOf('run-1', 'e'))
    expect(publishIdOf('run-1', 'e', 'abc123')).not.toBe(publishIdOf('run-1', 'e'))
  })

  it('keeps a young intent of the committed version into another generation, and drops it once old', () => {
    const intent = (minutesAgo: number): PublishIntent => ({
      key: 'a.csv', etag: 'v1', runId: 'r', publishId: 'p', outputs: [], writtenAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(), generation: 'abc123',
    })
    expect(intentFate(intent(1), 'v1', 'v1', NOW, '')).toBe('keep')
    expect(intentFate(intent(1), 'v1', 'v1', NOW, 'abc123')).toBe('clean')
    expect(intentFate(intent(61), 'v1', 'v1', NOW, '')).toBe('drop')
  })

  it('plans again a version committed in a generation that is no longer live', () => {
    const id = fileId('orders/a.csv')
    const version = `${id}--${versionId('e1')}`
    const sources = { objects: [{ key: 'orders/a.csv', etag: 'e1', size: 1 }], gone: [], committed: new Set([version]), intents: new Set<string>(), doneInRun: new Set<string>(), batchSize: 10, maxBatchBytes: 1 << 20 }
    expect(planBatch(sources).items).toEqual([])
    expect(planBatch({ ...sources, stale: new Set([version]) }).items.map((i) => i.key)).toEqual(['orders/a.csv'])
  })

  it('reads a reprocess input naming a dataset, and refuses one without a valid dataset name', () => {
    expect(parseWorkflowInput({ trigger: 'reprocess', dataset: 'orders' })).toEqual({ trigger: 'reprocess', dataset: 'orders' })
    for (const bad of [{ trigger: 'reprocess' }, { trigger: 'reprocess', dataset: 'orders__rejects' }, { trigger: 'reprocess', dataset: 'Orders 2' }, { trigger: 'schedule', dataset: 'orders' }]) {
      expect(() => parseWorkflowInput(bad)).toThrow(InvalidInputError)
    }
  })
})
