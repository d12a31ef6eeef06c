import { s3Zone } from '../adapters/aws-lake'
import { InvalidInputError } from '../core/errors'
import type { TransformEvent, TransformResult } from '../core/workflow-types'
import { config } from './config'
import { transformStep } from './transform-step'

const deps = { raw: s3Zone(config.rawBucket), curated: s3Zone(config.curatedBucket) }

/** Transform Lambda: one planned file → staged Parquet; returns keys and counts only. */
export async function handler(event: TransformEvent): Promise<TransformResult> {
  if (typeof event?.runId !== 'string' || typeof event.file?.key !== 'string' || !Array.isArray(event.contracts)) {
    throw new InvalidInputError(`transform: expected { runId, file, contracts, tables }, got ${JSON.stringify(event)?.slice(0, 200)}`)
  }
  return transformStep(deps, { ...event, tables: event.tables ?? {} })
}
