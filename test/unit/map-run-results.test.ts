import { describe, expect, it } from 'vitest'
import type { PlannedFile } from '../../functions/core/lake/plan-files'
import type { BatchRef, FileResult } from '../../functions/core/lake/workflow-types'
import { mapRunResults, type ChildExecutionRecord } from '../../functions/load/map-run-results'

const file = (key: string): PlannedFile => ({ key, etag: 'e', size: 1, dataset: 'orders', fileId: key })
const [a, b, c, d] = ['orders/a.csv', 'orders/b.csv', 'orders/c.csv', 'orders/d.csv'].map(file) as [PlannedFile, PlannedFile, PlannedFile, PlannedFile]
const batch: BatchRef = { bucket: 'curated', key: 'b/items.json', context: 'b/context.json', results: 'b/results', files: 4, itemsPerBatch: 2 }
const MAP_RUN = 'arn:aws:states:us-east-1:000000000000:mapRun:etl/TransformFiles:1'

const record = (status: ChildExecutionRecord['Status'], items: PlannedFile[], rest: Partial<ChildExecutionRecord>): ChildExecutionRecord => ({
  ExecutionArn: 'x', Name: 'child', StateMachineArn: 'x', MapRunArn: MAP_RUN, Status: status, StartDate: '', Input: JSON.stringify({ Items: items, BatchInput: {} }),
  InputDetails: { Included: true }, RedriveCount: 0, RedriveStatus: 'NOT_REDRIVABLE', ...rest,
})

function store(objects: Record<string, unknown>) {
  return { readText: async (key: string) => (key in objects ? JSON.stringify(objects[key]) : undefined) }
}

describe('the results Load reads of a Map run', () => {
  it('takes each file\'s result from its child execution, fails each file of a failed child with its error, and a file with no result with the run\'s', async () => {
    // Prepare
    const loaded: FileResult[] = [{ status: 'transformed', file: a, rowsIn: 1, rowsOut: 1, rowsRejected: 0 }, { status: 'failed', file: b, error: 'CsvFormatError', cause: 'csv: bad' }]
    const objects = {
      'b/items.json': [a, b, c, d],
      'b/results/1/manifest.json': { DestinationBucket: 'curated', MapRunArn: MAP_RUN, ResultFiles: { SUCCEEDED: [{ Key: 'b/results/1/SUCCEEDED_0.json', Size: 1 }], FAILED: [{ Key: 'b/results/1/FAILED_0.json', Size: 1 }], PENDING: [] } },
      'b/results/1/SUCCEEDED_0.json': [record('SUCCEEDED', [a, b], { Output: JSON.stringify(loaded) })],
      'b/results/1/FAILED_0.json': [record('TIMED_OUT', [c], { Error: 'States.Timeout', Cause: 'the task timed out' })],
    }

    // Act
    const results = await mapRunResults(store(objects), { batch, mapRun: { MapRunArn: MAP_RUN, ResultWriterDetails: { Bucket: 'curated', Key: 'b/results/1/manifest.json' } } })

    // Assess
    expect(results).toEqual([
      ...loaded,
      { status: 'failed', file: c, error: 'States.Timeout', cause: 'the task timed out' },
      { status: 'failed', file: d, error: 'States.MapRunIncomplete', cause: `the Map run ${MAP_RUN} gave no result for this file` },
    ])
  })

  it('fails every file with the Map\'s error when the Map run failed whole', async () => {
    // Act
    const results = await mapRunResults(store({ 'b/items.json': [a, b] }), { batch: { ...batch, files: 2 }, mapRun: { Error: 'States.ItemReaderFailed', Cause: 'no items' } })

    // Assess
    expect(results).toEqual([a, b].map((f) => ({ status: 'failed', file: f, error: 'States.ItemReaderFailed', cause: 'no items' })))
  })
})
