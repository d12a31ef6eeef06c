import { describe, expect, it } from 'vitest'
import { compactedFolder, homeOf, homeOfMark, isExciseMark, exciseKey, layoutKey, parseExciseMark } from '../../functions/core/compaction/compaction-layout'
import { mergeGroups, type PartCandidate } from '../../functions/core/compaction/merge-plan'

const MB = 1024 * 1024
const SETTINGS = { targetBytes: 100 * MB, smallFraction: 0.25, partThreshold: 32, openThreshold: 1000 }
const part = (key: string, mb: number, schema = 's1', excise = false): PartCandidate => ({ key, size: mb * MB, schema, excise })

describe('compaction rules', () => {
  it('puts a compacted folder beside the home, never inside it, and finds the home of any part', () => {
    // Act
    const folder = compactedFolder('orders/gen=ab12/ingest_date=2024-07-01/region=eu/', 'm1x2')

    // Assess
    expect(folder).toBe('orders/compacted/m1x2/gen=ab12/ingest_date=2024-07-01/region=eu/')
    expect(homeOf(`${folder}m1x2-00000.parquet`)).toBe('orders/gen=ab12/ingest_date=2024-07-01/region=eu/')
    expect(homeOf('orders__rejects/ingest_date=2024-07-01/f-p-00000.parquet')).toBe('orders__rejects/ingest_date=2024-07-01/')
    expect(homeOfMark('orders', layoutKey('orders', 'orders/ingest_date=2024-07-01/'))).toBe('orders/ingest_date=2024-07-01/')
    const mark = exciseKey('orders', 'orders/ingest_date=2024-07-01/', 'ab12cd34ef56ab12cd34', new Date('2024-07-01T06:00:00Z'), 'x9y8')
    expect(isExciseMark(mark)).toBe(true)
    expect(homeOfMark('orders', mark)).toBe('orders/ingest_date=2024-07-01/')
    expect(parseExciseMark(mark)).toEqual({ fileId: 'ab12cd34ef56ab12cd34', writtenAt: Date.parse('2024-07-01T06:00:00Z') })
    expect(isExciseMark(layoutKey('orders', 'orders/ingest_date=2024-07-01/'))).toBe(false)
  })

  it('merges runs of small parts of one schema in key order into groups near the target, and leaves large parts', () => {
    // Prepare
    const parts = [part('p/a', 10), part('p/b', 20), part('p/c', 80), part('p/d', 24), part('p/e', 24), part('p/f', 24), part('p/g', 24), part('p/h', 24), part('p/i', 5, 's2'), part('p/j', 5, 's2')]

    // Act
    const groups = mergeGroups([...parts].reverse(), SETTINGS)

    // Assess
    expect(groups).toEqual([['p/a', 'p/b'], ['p/d', 'p/e', 'p/f', 'p/g'], ['p/i', 'p/j']])
  })

  it('rewrites a lone part only when rows must leave it, whatever its size', () => {
    // Act
    const lone = mergeGroups([part('p/a', 90), part('p/c', 90, 's1', true)], SETTINGS)
    const small = mergeGroups([part('p/a', 90), part('p/b', 3)], SETTINGS)
    const joined = mergeGroups([part('p/a', 90), part('p/b', 3), part('p/c', 90, 's1', true)], SETTINGS)

    // Assess
    expect(lone).toEqual([['p/c']])
    expect(small).toEqual([])
    expect(joined).toEqual([['p/b', 'p/c']])
  })
})
