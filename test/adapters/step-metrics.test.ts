import { describe, expect, it } from 'vitest'
import { loadMetrics } from '../../functions/adapters/step-metrics'
import type { FileReport } from '../../functions/core/lake/run-report'
import type { LoadEvent } from '../../functions/core/lake/workflow-types'

describe('Load metrics of a split file', () => {
  const file = { key: 'orders/big.csv', etag: 'e1', size: 3000, dataset: 'orders', fileId: 'f1' }
  const range = (index: number, rowsIn: number) => ({ status: 'transformed' as const, file: { ...file, range: { index, count: 3 } }, rowsIn, rowsOut: rowsIn - 1, rowsRejected: 1 })
  const report = (outcome: FileReport['outcome'], rowsIn: number, rowsOut: number, rowsRejected: number): FileReport =>
    ({ dataset: 'orders', key: file.key, etag: 'e1', outcome, rowsIn, rowsOut, rowsRejected, outputs: [] })

  it('counts the ranges of a file as one file of its size, with the rows of its one commit', () => {
    // Act
    const { perDataset } = loadMetrics({ results: [range(0, 10), range(1, 20), range(2, 30)] }, [report('loaded', 60, 57, 3)])

    // Assess
    expect(perDataset.get('orders')).toMatchObject({ FilesLoaded: 1, FilesFailed: 0, RowsIn: 60, RowsLoaded: 57, RowsRejected: 3, BytesIn: 3000 })
  })

  it('counts a file with a failed range as one failed file', () => {
    // Prepare
    const failed: LoadEvent['results'][number] = { status: 'failed', file: { ...file, range: { index: 1, count: 3 } }, error: 'CsvFormatError', cause: 'csv: …' }

    // Act
    const { perDataset } = loadMetrics({ results: [range(0, 10), failed, range(2, 30)] }, [report('failed', 0, 0, 0)])

    // Assess
    expect(perDataset.get('orders')).toMatchObject({ FilesLoaded: 0, FilesFailed: 1, RowsIn: 0, BytesIn: 0 })
  })
})

describe('Load metrics of values in variant columns', () => {
  const report = (key: string, outcome: FileReport['outcome'], warnings: string[] = []): FileReport =>
    ({ dataset: 'races', key, etag: 'e1', outcome, rowsIn: 40, rowsOut: 40, rowsRejected: 0, outputs: [], ...(warnings.length > 0 ? { warnings } : {}) })

  it('emits VariantValues per dataset: the values loaded files wrote to __string variants, from their warnings', () => {
    // Prepare: the warnings as the transform words them.
    const oneDash = 'variant: 1 value(s) of column win_odds fit neither its type decimal(18,2) nor a widening of it, first at line 18; they were written as text to win_odds__string, the other values stay in win_odds'
    const ids = 'variant: 3 value(s) of column id are in double notation next to exact numbers a double cannot hold (bigint), first at line 11; they were written as text to id__string, the other values stay in id'

    // Act
    const { perDataset } = loadMetrics({ results: [] }, [
      report('races/a.csv', 'loaded', [oneDash, ids]),
      report('races/b.csv', 'loaded', ['columns not in the contract were kept with inferred types: x']),
      report('races/c.csv', 'failed', [oneDash]),
    ])

    // Assess
    expect(perDataset.get('races')).toMatchObject({ FilesLoaded: 2, VariantValues: 4 })
  })

  it('emits an explicit zero when no value went to a variant', () => {
    // Act
    const { perDataset } = loadMetrics({ results: [] }, [report('races/b.csv', 'loaded')])

    // Assess
    expect(perDataset.get('races')).toMatchObject({ VariantValues: 0 })
  })
})
