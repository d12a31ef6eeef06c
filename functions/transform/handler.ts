import { s3Zone } from '../adapters/aws-lake'
import { InvalidInputError } from '../core/errors'
import type { RetractResult, TransformEvent, TransformResult } from '../core/lake/workflow-types'
import { logger } from '../adapters/logger'
import { publishDatasetMetrics } from '../adapters/metrics'
import { transformMetrics } from '../adapters/step-metrics'
import { workerRangeRunner } from '../adapters/range-workers'
import { config } from './config'
import { transformStep } from './transform-step'

const deps = { raw: s3Zone(config.rawBucket), curated: s3Zone(config.curatedBucket) }

/** Transform Lambda: one planned file → staged Parquet; returns keys and counts only. */
export async function handler(event: TransformEvent): Promise<TransformResult | RetractResult> {
  if (typeof event?.runId !== 'string' || typeof event.file?.key !== 'string' || !Array.isArray(event.contracts)) {
    throw new InvalidInputError(`transform: expected { runId, file, contracts, tables }, got ${JSON.stringify(event)?.slice(0, 200)}`)
  }
  logger.appendKeys({ runId: event.runId, key: event.file.key })
  const started = performance.now()
  try {
    const result = await transformStep(deps, { ...event, tables: event.tables ?? {} }, {
      gzipLimits: config.gzipLimits,
      workers: config.workers || undefined,
      memoryBudgetMb: config.memoryBudgetMb,
      rangeRunner: workerRangeRunner(),
    })
    logger.info('transformed', result.status === 'retract' ? { status: result.status } : { status: result.status, rowsIn: result.rowsIn, rowsOut: result.rowsOut, rowsRejected: result.rowsRejected })
    const { perDataset, overall } = transformMetrics(event.file.dataset, (performance.now() - started) / 1000)
    publishDatasetMetrics(perDataset, overall)
    return result
  } catch (e) {
    // The workflow records the failure; the log keeps the stack.
    logger.error('transform failed', e as Error)
    throw e
  }
}
