import { describe, expect, it } from 'vitest'
import { loadMetrics } from '../../functions/adapters/step-metrics'
import type { FileReport } from '../../functions/core/run-report'
import type { LoadEvent } from '../../functions/core/workflow-types'

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
