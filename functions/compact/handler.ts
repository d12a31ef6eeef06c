import { workflowCatalogOnAws, s3Zone } from '../adapters/aws-lake'
import { InvalidInputError } from '../core/errors'
import { logger } from '../adapters/logger'
import { config } from './config'
import { compactStep, type CompactEvent, type CompactResult } from './compact-step'

const curated = s3Zone(config.curatedBucket)
// The workflow catalog is built per invocation: what it remembers of table formats lasts one Compact.
const lakeOf = () => ({ curated, catalog: workflowCatalogOnAws(curated, { lakeDefault: config.tableFormat }), database: config.database, tableFormat: config.tableFormat })

/** Compact Lambda: `{ runId, ingestDate, closed? }` → the partitions a Load touched (or a sweep closed) compacted. */
export async function handler(event: CompactEvent): Promise<CompactResult> {
  if (typeof event?.runId !== 'string' || typeof event.ingestDate !== 'string') {
    throw new InvalidInputError(`compact: expected { runId, ingestDate, closed? }, got ${JSON.stringify(event)?.slice(0, 200)}`)
  }
  logger.appendKeys({ runId: event.runId })
  const result = await compactStep(lakeOf(), event, config.compaction)
  logger.info('compacted', { ...result, closed: event.closed === true })
  return result
}
