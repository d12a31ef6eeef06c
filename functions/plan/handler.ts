import { workflowCatalogOnAws, s3Zone } from '../adapters/aws-lake'
import { InvalidInputError } from '../core/errors'
import type { PlanOutput } from '../core/lake/workflow-types'
import { logger } from '../adapters/logger'
import { publishDatasetMetrics } from '../adapters/metrics'
import { planMetrics } from '../adapters/step-metrics'
import { config } from './config'
import { planStep, type PlanEvent } from './plan-step'
import { writeBatch } from './write-batch'

const raw = s3Zone(config.rawBucket)
const curated = s3Zone(config.curatedBucket)
// The workflow catalog is built per invocation: what it remembers of table formats lasts one Plan.
const lakeOf = () => ({ raw, curated, catalog: workflowCatalogOnAws(curated, { raw, lakeDefault: config.tableFormat }), database: config.database, tableFormat: config.tableFormat })

/** Plan Lambda: `{ input, runId, startTime }` from the state machine → the next batch, written to the curated zone; returns its keys. */
export async function handler(event: PlanEvent): Promise<PlanOutput> {
  if (typeof event?.runId !== 'string' || typeof event.startTime !== 'string') {
    throw new InvalidInputError(`plan: expected { input, runId, startTime }, got ${JSON.stringify(event)?.slice(0, 200)}`)
  }
  logger.appendKeys({ runId: event.runId })
  const planned = await planStep(lakeOf(), config.plan, event)
  logger.info('planned', { files: planned.items.length, more: planned.more, skipped: planned.skipped, failedSoFar: planned.failed })
  const { perDataset, overall } = planMetrics(planned)
  publishDatasetMetrics(perDataset, overall)
  return writeBatch(curated, config.curatedBucket, planned)
}
