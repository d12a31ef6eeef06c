import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { PlannedFile } from '../../functions/core/lake/plan-files'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import type { LoadRequest, PlannedBatch, TransformBatchEvent } from '../../functions/core/lake/workflow-types'
import type { ConvertFile } from '../../functions/transform/transform-batch'

// The steps stand still: what is looked at is the deps each handler hands them. The modules are
// imported one at a time: a mocked module imported twice at once may load twice.
vi.mock('../../functions/load/load-request', () => ({ loadRequest: vi.fn(async () => ({ results: [], reports: [], output: {} })) }))
vi.mock('../../functions/plan/plan-step', () => ({ planStep: vi.fn(async () => ({ items: [] }) as unknown as PlannedBatch) }))
vi.mock('../../functions/plan/write-batch', () => ({ writeBatch: vi.fn(async () => ({})) }))
vi.mock('../../functions/compact/compact-step', () => ({ compactStep: vi.fn(async () => ({})) }))
vi.mock('../../functions/transform/transform-step', () => ({ transformStep: vi.fn(async () => ({ status: 'empty' })) }))
vi.mock('../../functions/transform/transform-batch', () => ({
  transformBatch: vi.fn(async (_curated: unknown, event: TransformBatchEvent, convert: ConvertFile) =>
    Promise.all(event.Items.map((file) => convert({ runId: event.BatchInput.runId, file, contracts: [], tables: {} })))),
}))

const file: PlannedFile = { key: 'orders/a.csv', etag: 'e', size: 1, dataset: 'orders', fileId: 'orders/a.csv' }

/** The deps a mocked step was called with. */
const depsOf = (step: unknown) => vi.mocked(step as (deps: Partial<LakeDeps>) => unknown).mock.calls[0]![0]

beforeAll(() => {
  vi.stubEnv('RAW_BUCKET', 'raw')
  vi.stubEnv('CURATED_BUCKET', 'curated')
  vi.stubEnv('GLUE_DATABASE', 'sluice')
  vi.stubEnv('AWS_REGION', 'us-east-1')
  vi.stubEnv('SLUICE_TABLE_FORMAT', 'iceberg')
})

describe('the lake\'s table format in the step handlers', () => {
  it('gives Plan, Transform, Load and Compact the SLUICE_TABLE_FORMAT of their environment in their deps', async () => {
    // Prepare
    const { planStep } = await import('../../functions/plan/plan-step')
    const { transformStep } = await import('../../functions/transform/transform-step')
    const { loadRequest } = await import('../../functions/load/load-request')
    const { compactStep } = await import('../../functions/compact/compact-step')
    const plan = await import('../../functions/plan/handler')
    const transform = await import('../../functions/transform/handler')
    const load = await import('../../functions/load/handler')
    const compact = await import('../../functions/compact/handler')
    const loadEvent = { runId: 'run-1', ingestDate: '2024-07-01', batch: { key: 'k', bucket: 'curated', files: 0 }, mapRun: {} } as unknown as LoadRequest

    // Act
    await plan.handler({ runId: 'run-1', startTime: '2024-07-01T06:00:00.000Z', input: { trigger: 'schedule' } } as never)
    await transform.handler({ Items: [file], BatchInput: { runId: 'run-1', bucket: 'curated', context: 'c.json' } })
    await load.handler(loadEvent)
    await compact.handler({ runId: 'run-1', ingestDate: '2024-07-01' })

    // Assess
    expect([planStep, transformStep, loadRequest, compactStep].map((step) => depsOf(step).tableFormat)).toEqual(['iceberg', 'iceberg', 'iceberg', 'iceberg'])
  })
})
