import { batchPrefix } from '../core/lake/lake-layout'
import type { ObjectStore } from '../core/lake/object-store'
import type { PlannedFile } from '../core/lake/plan-files'
import type { BatchContext, PlannedBatch, PlanOutput } from '../core/lake/workflow-types'

/** Most files one Transform invocation converts, so that a loop fans out over many Lambdas. */
export const MAX_ITEMS_PER_TRANSFORM = 10

/**
 * Bytes of raw data one Transform invocation converts at most, when its files are large:
 * about 25 s of CPU at the engine's 45 MB/s, far inside the Lambda's 900 s. A file or range
 * above it goes alone.
 */
export const TRANSFORM_BYTES = 1024 ** 3

/**
 * Writes the planned batch into the curated zone as the Distributed Map reads it, and returns
 * the workflow state: keys and counts, whatever the batch holds. The keys depend on the run
 * and the files it reported before this loop only, so a retried Plan rewrites the same objects.
 */
export async function writeBatch(curated: Pick<ObjectStore, 'writeText'>, bucket: string, planned: PlannedBatch): Promise<PlanOutput> {
  const { items, contracts, tables, ...state } = planned
  if (items.length === 0) return { ...state, batch: { bucket, key: '', context: '', results: '', files: 0, itemsPerBatch: 1 } }
  const prefix = batchPrefix(planned.runId, planned.reported)
  const context: BatchContext = { runId: planned.runId, contracts, tables }
  const batch = { bucket, key: `${prefix}items.json`, context: `${prefix}context.json`, results: `${prefix}results`, files: items.length, itemsPerBatch: itemsPerTransform(items) }
  await curated.writeText(batch.context, JSON.stringify(context))
  await curated.writeText(batch.key, JSON.stringify(items))
  return { ...state, batch }
}

/**
 * Files per Transform invocation for this batch: as many as fit TRANSFORM_BYTES at the size of
 * its largest item (a range counting its share of the file), between 1 and MAX_ITEMS_PER_TRANSFORM.
 */
export function itemsPerTransform(items: PlannedFile[]): number {
  const largest = Math.max(0, ...items.map((i) => (i.range ? i.size / i.range.count : i.size)))
  return Math.max(1, Math.min(MAX_ITEMS_PER_TRANSFORM, Math.floor(TRANSFORM_BYTES / Math.max(1, largest))))
}
