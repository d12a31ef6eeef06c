import { glueCatalogOnAws, s3Zone } from '../adapters/aws-lake'
import { InvalidInputError } from '../core/errors'
import type { LoadEvent, LoadOutput } from '../core/lake/workflow-types'
import { logger } from '../adapters/logger'
import { publishDatasetMetrics } from '../adapters/metrics'
import { loadMetrics } from '../adapters/step-metrics'
import { config } from './config'
import { loadBatch } from './load-step'

const deps = { raw: s3Zone(config.rawBucket), curated: s3Zone(config.curatedBucket), catalog: glueCatalogOnAws(), database: config.database }

/** Load Lambda: a batch's transform results → published, cataloged, committed, reported. */
export async function handler(event: LoadEvent): Promise<LoadOutput> {
  if (typeof event?.runId !== 'string' || typeof event.ingestDate !== 'string' || !Array.isArray(event.results)) {
    throw new InvalidInputError(`load: expected { runId, ingestDate, results, … }, got ${JSON.stringify(event)?.slice(0, 200)}`)
  }
  logger.appendKeys({ runId: event.runId })
  const { output, reports } = await loadBatch(deps, event, undefined, config.compaction)
  logger.info('loaded', { ...output })
  const { perDataset, overall } = loadMetrics(event, reports)
  publishDatasetMetrics(perDataset, overall)
  return output
}
