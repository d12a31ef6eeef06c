import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { PlannedFile } from '../../functions/core/lake/plan-files'
import type { FileReport } from '../../functions/core/lake/run-report'
import type { FileResult, LoadRequest, PlannedBatch, TransformBatchEvent } from '../../functions/core/lake/workflow-types'
import type { ConvertFile } from '../../functions/transform/transform-batch'

// The steps' logic is tested elsewhere; here it stands still so that the handler's metrics
// are what is looked at.
vi.mock('../../functions/load/load-request', () => ({ loadRequest: vi.fn() }))
vi.mock('../../functions/plan/plan-step', () => ({ planStep: vi.fn() }))
vi.mock('../../functions/plan/write-batch', () => ({ writeBatch: vi.fn(async () => ({})) }))
vi.mock('../../functions/transform/transform-step', () => ({ transformStep: vi.fn() }))
// The batch's shared fields are not read from S3 here: each item is converted with none.
vi.mock('../../functions/transform/transform-batch', () => ({
  transformBatch: vi.fn(async (_curated: unknown, event: TransformBatchEvent, convert: ConvertFile) =>
    Promise.all(event.Items.map((file) => convert({ runId: event.BatchInput.runId, file, contracts: [], tables: {} })))),
}))

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] }
  [field: string]: unknown
}

const file = (key: string, size: number): PlannedFile => ({ key, etag: 'e', size, dataset: key.split('/')[0]!, fileId: key })

/** EMF documents the handler printed to stdout while `act` ran. */
async function emfOf(act: () => Promise<unknown>): Promise<Emf[]> {
  const lines: string[] = []
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk))
    return true
  })
  try {
    await act()
  } finally {
    spy.mockRestore()
  }
  return lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Emf)
}

const byDataset = (docs: Emf[], dataset: string | undefined) => docs.find((d) => d['dataset'] === dataset)

beforeAll(() => {
  vi.stubEnv('RAW_BUCKET', 'raw')
  vi.stubEnv('CURATED_BUCKET', 'curated')
  vi.stubEnv('GLUE_DATABASE', 'sluice')
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'sluice-test')
  vi.stubEnv('AWS_REGION', 'us-east-1')
})

afterEach(() => {
  vi.clearAllMocks()
})

describe('the metrics of the step handlers', () => {
  it('publishes what a Load batch did per dataset, from each file\'s commit, and the sums without the dataset', async () => {
    // Prepare
    const { loadRequest } = await import('../../functions/load/load-request')
    const report = (key: string, outcome: FileReport['outcome'], rowsIn: number, rowsOut: number, rowsRejected: number): FileReport =>
      ({ dataset: key.split('/')[0]!, key, etag: 'e', outcome, rowsIn, rowsOut, rowsRejected, outputs: [] })
    const results: FileResult[] = [
      { status: 'transformed', file: file('orders/a.csv', 1000), rowsIn: 100, rowsOut: 98, rowsRejected: 2 },
      { status: 'transformed', file: file('orders/b.csv', 500), rowsIn: 50, rowsOut: 50, rowsRejected: 0 },
      { status: 'failed', file: file('orders/c.csv', 700), error: 'RejectThresholdError', cause: 'too many' },
      { status: 'empty', file: file('customers/d.csv', 0), rowsIn: 0, rowsOut: 0, rowsRejected: 0 },
      { status: 'transformed', file: file('orders/e.csv', 300), rowsIn: 10, rowsOut: 10, rowsRejected: 0 },
    ]
    vi.mocked(loadRequest).mockResolvedValue({
      results,
      output: { loaded: 2, empty: 1, failed: 1, quarantined: 0, retried: 0, superseded: 1, retracted: 0 },
      reports: [
        report('orders/a.csv', 'loaded', 100, 98, 2),
        report('orders/b.csv', 'loaded', 50, 50, 0),
        report('orders/c.csv', 'quarantined', 0, 0, 0),
        report('orders/e.csv', 'superseded', 10, 0, 0),
        report('customers/d.csv', 'empty', 0, 0, 0),
      ],
    })
    const { handler } = await import('../../functions/load/handler')
    const event: LoadRequest = {
      runId: 'run-1',
      trigger: 'schedule',
      ingestDate: '2024-07-01',
      startedAt: '2024-07-01T06:00:00.000Z',
      skipped: 0,
      batch: { bucket: 'curated', key: '_batches/run-1/0000000/items.json', context: '_batches/run-1/0000000/context.json', results: '_batches/run-1/0000000/results', files: 5, itemsPerBatch: 10 },
      mapRun: { MapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:sluice-etl/TransformFiles:1', ResultWriterDetails: { Bucket: 'curated', Key: '_batches/run-1/0000000/results/1/manifest.json' } },
    }

    // Act
    const docs = await emfOf(() => handler(event))

    // Assess
    expect(docs).toHaveLength(3)
    const orders = byDataset(docs, 'orders')!
    expect(orders._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'sluice', Dimensions: [['service', 'dataset']] })
    expect(orders).toMatchObject({ service: 'sluice-test', FilesLoaded: 2, FilesFailed: 1, FilesQuarantined: 1, RowsIn: 150, RowsLoaded: 148, RowsRejected: 2, BytesIn: 1500 })
    expect(orders._aws.CloudWatchMetrics[0]!.Metrics).toContainEqual({ Name: 'BytesIn', Unit: 'Bytes' })
    expect(byDataset(docs, 'customers')).toMatchObject({ FilesLoaded: 1, FilesFailed: 0, RowsIn: 0 })
    const all = byDataset(docs, undefined)!
    expect(all._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']])
    expect(all).toMatchObject({ FilesLoaded: 3, FilesFailed: 1, RowsIn: 150, RowsRejected: 2 })
  })

  it('publishes the files planned per dataset and the backlog, counting a pending field when the plan has one', async () => {
    // Prepare
    const { planStep } = await import('../../functions/plan/plan-step')
    const plan = { items: [file('orders/a.csv', 1), file('orders/b.csv', 1), file('payments/c.csv', 1)], pending: 40 } as unknown as PlannedBatch
    vi.mocked(planStep).mockResolvedValue(plan)
    const { handler } = await import('../../functions/plan/handler')

    // Act
    const docs = await emfOf(() => handler({ runId: 'run-1', startTime: '2024-07-01T06:00:00.000Z', input: { trigger: 'schedule' } } as never))

    // Assess
    expect(byDataset(docs, 'orders')).toMatchObject({ FilesPlanned: 2 })
    expect(byDataset(docs, 'payments')).toMatchObject({ FilesPlanned: 1 })
    expect(byDataset(docs, undefined)).toMatchObject({ FilesPlanned: 3, Backlog: 43 })
  })

  it('publishes the transform seconds of each file of a batch under its dataset', async () => {
    // Prepare
    const { transformStep } = await import('../../functions/transform/transform-step')
    vi.mocked(transformStep).mockResolvedValue({ status: 'transformed', file: file('orders/a.csv', 10), rowsIn: 1, rowsOut: 1, rowsRejected: 0 })
    const { handler } = await import('../../functions/transform/handler')

    // Act
    const docs = await emfOf(() => handler({ Items: [file('orders/a.csv', 10)], BatchInput: { runId: 'run-1', bucket: 'curated', context: '_batches/run-1/0000000/context.json' } }))

    // Assess
    const orders = byDataset(docs, 'orders')!
    expect(orders['TransformSeconds']).toBeGreaterThanOrEqual(0)
    expect(orders._aws.CloudWatchMetrics[0]!.Metrics).toEqual([{ Name: 'TransformSeconds', Unit: 'Seconds' }])
  })
})
