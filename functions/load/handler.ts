import { workflowCatalogOnAws, s3Zone } from '../adapters/aws-lake'
import { InvalidInputError } from '../core/errors'
import type { LoadOutput, LoadRequest } from '../core/lake/workflow-types'
import { logger } from '../adapters/logger'
import { publishDatasetMetrics } from '../adapters/metrics'
import { loadMetrics } from '../adapters/step-metrics'
import { config } from './config'
import { loadRequest } from './load-request'

const raw = s3Zone(config.rawBucket)
const curated = s3Zone(config.curatedBucket)
// The workflow catalog is built per invocation: what it remembers of table formats lasts one Load.
const lakeOf = () => ({ raw, curated, catalog: workflowCatalogOnAws(curated, { raw, lakeDefault: config.tableFormat }), database: config.database, siteRecordText: config.siteRecordText, tableFormat: config.tableFormat, snapshotRetentionMs: config.snapshotRetentionHours * 3_600_000 })

/** Load Lambda: a batch's transform results, read from the Map run's result files → published, cataloged, committed, reported. */
export async function handler(event: LoadRequest): Promise<LoadOutput> {
  if (typeof event?.runId !== 'string' || typeof event.ingestDate !== 'string' || typeof event.batch?.key !== 'string' || typeof event.mapRun !== 'object' || event.mapRun === null) {
    throw new InvalidInputError(`load: expected { runId, ingestDate, batch, mapRun, … }, got ${JSON.stringify(event)?.slice(0, 200)}`)
  }
  const bucket = 'ResultWriterDetails' in event.mapRun ? event.mapRun.ResultWriterDetails.Bucket : event.batch.bucket
  if (event.batch.files > 0 && (event.batch.bucket !== config.curatedBucket || bucket !== config.curatedBucket)) {
    throw new InvalidInputError(`load: the batch and its results must be in the curated zone ${config.curatedBucket}, got ${event.batch.bucket} and ${bucket}`)
  }
  logger.appendKeys({ runId: event.runId })
  const { output, reports, results } = await loadRequest(lakeOf(), event)
  logger.info('loaded', { ...output })
  const { perDataset, overall } = loadMetrics({ results }, reports)
  publishDatasetMetrics(perDataset, overall)
  return output
}
