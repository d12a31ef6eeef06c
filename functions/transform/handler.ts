import { s3Zone } from '../adapters/aws-lake'
import { InvalidInputError } from '../core/errors'
import type { FileResult, TransformBatchEvent, TransformEvent } from '../core/lake/workflow-types'
import { logger } from '../adapters/logger'
import { publishDatasetMetrics } from '../adapters/metrics'
import { transformMetrics } from '../adapters/step-metrics'
import { workerRangeRunner } from '../adapters/range-workers'
import { config } from './config'
import { transformBatch } from './transform-batch'
import { transformStep } from './transform-step'

const deps = { raw: s3Zone(config.rawBucket), curated: s3Zone(config.curatedBucket), tableFormat: config.tableFormat }

/** Transform Lambda: a batch of planned files → staged Parquet; returns keys and counts per file. */
export async function handler(event: TransformBatchEvent): Promise<FileResult[]> {
  if (!Array.isArray(event?.Items) || typeof event.BatchInput?.runId !== 'string' || typeof event.BatchInput.context !== 'string' || !event.Items.every((f) => typeof f?.key === 'string')) {
    throw new InvalidInputError(`transform: expected { Items: [planned files], BatchInput: { runId, bucket, context } }, got ${JSON.stringify(event)?.slice(0, 200)}`)
  }
  if (event.BatchInput.bucket !== config.curatedBucket) {
    throw new InvalidInputError(`transform: the batch's shared fields are in bucket ${event.BatchInput.bucket}, not the curated zone ${config.curatedBucket}`)
  }
  logger.appendKeys({ runId: event.BatchInput.runId })
  return transformBatch(deps.curated, event, convertFile)
}

async function convertFile(event: TransformEvent) {
  const started = performance.now()
  try {
    const result = await transformStep(deps, event, {
      gzipLimits: config.gzipLimits,
      workers: config.workers || undefined,
      memoryBudgetMb: config.memoryBudgetMb,
      rangeRunner: workerRangeRunner(),
    })
    logger.info('transformed', result.status === 'retract' ? { key: event.file.key, status: result.status } : { key: event.file.key, status: result.status, rowsIn: result.rowsIn, rowsOut: result.rowsOut, rowsRejected: result.rowsRejected })
    const { perDataset, overall } = transformMetrics(event.file.dataset, (performance.now() - started) / 1000)
    publishDatasetMetrics(perDataset, overall)
    return result
  } catch (e) {
    // The batch records the failure; the log keeps the stack.
    logger.error(`transform failed: ${event.file.key}`, e as Error)
    throw e
  }
}
