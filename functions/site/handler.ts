import { readFileSync } from 'node:fs'
import { workflowCatalogOnAws, s3Zone, siteBucketOnAws } from '../adapters/aws-lake'
import { logger } from '../adapters/logger'
import { InvalidInputError } from '../core/errors'
import { CHART_LIBRARY } from '../core/site/render-site'
import { config } from './config'
import { siteStep, type SiteResult } from './site-step'

// The chart library is copied next to the bundle when it is built (infra/functions.ts), read once.
const fromBundle = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url))
const assets = [
  { path: CHART_LIBRARY.script, content: fromBundle('uPlot.iife.min.js') },
  { path: CHART_LIBRARY.style, content: fromBundle('uPlot.min.css') },
]

const curated = s3Zone(config.curatedBucket)
const deps = {
  curated,
  catalog: workflowCatalogOnAws(curated),
  database: config.database,
  siteRecordText: config.siteRecordText,
  site: siteBucketOnAws(config.siteBucket),
  assets,
  queries: { athena: true },
  staleAfterHours: config.staleAfterHours,
}

/** Site Lambda: `{ runId }` after a Load → the pages of the run's files and datasets, and the index. */
export async function handler(event: { runId: string }): Promise<SiteResult> {
  if (typeof event?.runId !== 'string') throw new InvalidInputError(`site: expected { runId }, got ${JSON.stringify(event)?.slice(0, 200)}`)
  logger.appendKeys({ runId: event.runId })
  const result = await siteStep(deps, event.runId)
  logger.info('site written', { ...result })
  return result
}
