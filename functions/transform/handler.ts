import { s3Zone } from '../adapters/aws-lake'
import { InvalidInputError } from '../core/errors'
import type { TransformEvent, TransformResult } from '../core/workflow-types'
import { logger } from '../adapters/logger'
import { workerRangeRunner } from '../adapters/range-workers'
import { config } from './config'
import { transformStep } from './transform-step'

const deps = { raw: s3Zone(config.rawBucket), curated: s3Zone(config.curatedBucket) }

/** Transform Lambda: one planned file → staged Parquet; returns keys and counts only. */
export async function handler(event: TransformEvent): Promise<TransformResult> {
  if (typeof event?.runId !== 'string' || typeof event.file?.key !== 'string' || !Array.isArray(event.contracts)) {
    throw new InvalidInputError(`transform: expected { runId, file, contracts, tables }, got ${JSON.stringify(event)?.slice(0, 200)}`)
  }
  logger.appendKeys({ runId: event.runId, key: event.file.key })
  try {
    const result = await transformStep(deps, { ...event, tables: event.tables ?? {} }, {
      gzipLimits: config.gzipLimits,
      workers: config.workers || undefined,
      rangeRunner: workerRangeRunner(),
    })
    logger.info('transformed', { status: result.status, rowsIn: result.rowsIn, rowsOut: result.rowsOut, rowsRejected: result.rowsRejected })
    return result
  } catch (e) {
    // The workflow records the failure; the log keeps the stack.
    logger.error('transform failed', e as Error)
    throw e
  }
}
