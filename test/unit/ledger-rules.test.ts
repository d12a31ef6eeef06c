import { describe, expect, it } from 'vitest'
import { InvalidInputError } from '../../functions/core/errors'
import { intentFate, intentKey, parseLedgerKey, publishIdOf, type PublishIntent } from '../../functions/core/lake/ledger'
import { fileId } from '../../functions/core/lake/lake-layout'
import { MAX_RANGES, parseWorkflowInput, planBatch, rangeCount, requestedConcurrency } from '../../functions/core/lake/plan-files'
import { successorName } from '../../functions/core/lake/successor'

const NOW = new Date('2024-07-01T12:00:00.000Z')
const intent = (etag: string, minutesAgo: number): PublishIntent => ({
  key: 'a.csv', etag, runId: 'r', publishId: 'p', outputs: [], writtenAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
})

describe('intentFate', () => {
  it('keeps the intent of a publish of the version the raw zone holds now, newer than the committed one', () => {
    expect(intentFate(intent('v2', 1), 'v1', 'v2', NOW)).toBe('keep')
  })

  it('cleans the parts of a publish of the committed version, or of a version the raw zone no longer holds, keeping a young intent', () => {
    expect(intentFate(intent('v1', 1), 'v1', 'v1', NOW)).toBe('clean')
    expect(intentFate(intent('v0', 1), 'v1', 'v1', NOW)).toBe('clean')
    expect(intentFate(intent('v1', 1), undefined, undefined, NOW)).toBe('clean')
  })

  it('drops an intent older than any publish can run', () => {
    expect(intentFate(intent('v1', 61), 'v1', 'v1', NOW)).toBe('drop')
    expect(intentFate({ ...intent('v1', 0), writtenAt: 'not a date' }, 'v1', 'v1', NOW)).toBe('drop')
  })
})

describe('ledger keys', () => {
  it('tells heads, committed versions, intents and intents of the earlier layout apart', () => {
    const id = fileId('orders/a.csv')
    const publish = publishIdOf('run-1', 'etag-1')
    expect(parseLedgerKey(`_ledger/orders/${id}.json`)).toEqual({ kind: 'head', fileId: id })
    expect(parseLedgerKey(`_ledger/orders/${id}--0123456789abcdef.json`)).toEqual({ kind: 'committed', fileId: id, version: '0123456789abcdef' })
    expect(parseLedgerKey(intentKey('orders', id, publish, NOW))).toEqual({ kind: 'intent', fileId: id, publishId: publish, writtenAt: NOW.getTime() })
    expect(parseLedgerKey(`_ledger/orders/${id}.pending.json`)).toEqual({ kind: 'intent', fileId: id, publishId: '', writtenAt: 0 })
    expect(parseLedgerKey(`_ledger/orders/notes.txt`)).toBeUndefined()
  })

  it('gives a publish the same id on a retry of its execution and another in any other execution', () => {
    expect(publishIdOf('run-1', 'e')).toBe(publishIdOf('run-1', 'e'))
    expect(publishIdOf('run-2', 'e')).not.toBe(publishIdOf('run-1', 'e'))
    expect(publishIdOf('run-1', 'f')).not.toBe(publishIdOf('run-1', 'e'))
  })
})

describe('parseWorkflowInput', () => {
  it('reads the keys of a batch of queued S3 events, created or deleted, once each', () => {
    const message = (key: string, type = 'Object Created') => ({ messageId: key, body: JSON.stringify({ 'detail-type': type, detail: { object: { key } } }) })
    expect(parseWorkflowInput([message('orders/a.csv'), message('/orders/b.csv', 'Object Deleted'), message('orders/a.csv')])).toEqual({ trigger: 'object', keys: ['orders/a.csv', 'orders/b.csv'] })
  })

  it('refuses a queued message that names no key, and an empty list of keys', () => {
    expect(() => parseWorkflowInput([{ body: '{"detail":{}}' }])).toThrow(InvalidInputError)
    expect(() => parseWorkflowInput({ trigger: 'object', keys: [] })).toThrow(InvalidInputError)
    expect(() => parseWorkflowInput({ trigger: 'object', key: 'a.csv', keys: ['b.csv'] })).toThrow(InvalidInputError)
  })

  it.each([-1, '8', 0.5, 10_001, null])('refuses maxConcurrency %j, naming the value', (value) => {
    const input = { trigger: 'schedule', maxConcurrency: value }
    expect(() => parseWorkflowInput(input)).toThrow(InvalidInputError)
    expect(() => parseWorkflowInput(input)).toThrow(`input: maxConcurrency must be a whole number from 0 (no limit) to 10000, got ${JSON.stringify(value)}`)
  })

  it('takes a whole maxConcurrency from 0, no limit, to 10,000, and none when the input gives none', () => {
    expect([0, 1, 10_000].map((n) => requestedConcurrency({ trigger: 'schedule', maxConcurrency: n }))).toEqual([0, 1, 10_000])
    expect(requestedConcurrency({ trigger: 'schedule' })).toBeUndefined()
    expect(parseWorkflowInput({ trigger: 'object', key: 'orders/a.csv', maxConcurrency: 16 })).toEqual({ trigger: 'object', keys: ['orders/a.csv'] })
  })
})

describe('planBatch', () => {
  const sources = { committed: new Set<string>(), intents: new Set<string>(), doneInRun: new Set<string>(), batchSize: 2, maxBatchBytes: 96 * 1024 }
  const object = (key: string, etag = 'e1') => ({ key, etag, size: 10 })

  it('counts what does not fit the batch as pending, and plans retractions after the files', () => {
    const batch = planBatch({ ...sources, objects: [object('d/c.csv'), object('d/a.csv'), object('d/b.csv')], gone: [{ key: 'd/old.csv', dataset: 'd', fileId: fileId('d/old.csv') }] })
    expect(batch.items.map((i) => i.key)).toEqual(['d/a.csv', 'd/b.csv'])
    expect(batch.pending).toBe(2)
    expect(batch.more).toBe(true)
  })

  it('does not plan again a version this run reported, but plans a newer version of the same key', () => {
    const batch = planBatch({ ...sources, doneInRun: new Set(['d/a.csv\ne1', 'd/b.csv\ne1']), objects: [object('d/a.csv'), object('d/b.csv', 'e2')], gone: [] })
    expect(batch.items.map((i) => [i.key, i.etag])).toEqual([['d/b.csv', 'e2']])
  })

  it('splits a file above splitBytes into one item per byte range, all in one batch, and never a gzip or zstd file', () => {
    // Prepare
    const big = { key: 'd/big.csv', etag: 'e1', size: 2500 }
    const gz = { key: 'd/big.csv.gz', etag: 'e1', size: 2500 }
    const zst = { key: 'd/big.csv.zst', etag: 'e1', size: 2500 }

    // Act
    const batch = planBatch({ ...sources, batchSize: 10, splitBytes: 1000, objects: [big, gz, zst, object('d/small.csv')], gone: [] })
    const alone = planBatch({ ...sources, batchSize: 2, splitBytes: 1000, objects: [big, object('d/small.csv')], gone: [] })
    const after = planBatch({ ...sources, batchSize: 2, splitBytes: 1000, objects: [object('d/a.csv'), big], gone: [] })

    // Assess
    expect(batch.items.map((i) => [i.key, i.range])).toEqual([
      ['d/big.csv', { index: 0, count: 3 }],
      ['d/big.csv', { index: 1, count: 3 }],
      ['d/big.csv', { index: 2, count: 3 }],
      ['d/big.csv.gz', undefined],
      ['d/big.csv.zst', undefined],
      ['d/small.csv', undefined],
    ])
    expect(alone.items.map((i) => i.range?.index)).toEqual([0, 1, 2])
    expect(alone.pending).toBe(1)
    expect(after.items.map((i) => i.key)).toEqual(['d/a.csv'])
    expect(after.pending).toBe(1)
    expect(rangeCount('d/huge.csv', 10 ** 15, 1000)).toBe(MAX_RANGES)
    expect(rangeCount('d/big.csv', 2500, 0)).toBe(1)
  })
})

describe('successorName', () => {
  it('counts the chain of successors, within the 80 characters of an execution name', () => {
    expect(successorName('nightly')).toBe('nightly-c2')
    expect(successorName('nightly-c2')).toBe('nightly-c3')
    expect(successorName('a'.repeat(80))).toHaveLength(80)
    expect(successorName('a'.repeat(80)).endsWith('-c2')).toBe(true)
  })
})
