import { InvalidInputError } from './errors'
import { datasetOfKey, fileId } from './lake-layout'
import { versionId } from './ledger'
import type { ObjectInfo } from './object-store'

/** The workflow's input: a sweep of the raw zone, or one dropped object. */
export type WorkflowTrigger = { trigger: 'schedule' } | { trigger: 'object'; key: string }

/** Validates the execution input; anything else fails the run with InvalidInputError. */
export function parseWorkflowInput(input: unknown): WorkflowTrigger {
  const expected = 'expected {"trigger":"schedule"} or {"trigger":"object","key":"<raw key>"}'
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError(`input: ${expected}, got ${JSON.stringify(input)}`)
  }
  const { trigger, key, ...rest } = input as Record<string, unknown>
  const extra = Object.keys(rest).filter((k) => k !== 'maxConcurrency')
  if (extra.length > 0) throw new InvalidInputError(`input: unknown field(s) ${extra.join(', ')}; ${expected}`)
  if (trigger === 'schedule' && key === undefined) return { trigger }
  if (trigger === 'object' && typeof key === 'string' && key.length > 0) return { trigger, key: key.replace(/^\/+/, '') }
  throw new InvalidInputError(`input: ${expected}, got ${JSON.stringify(input)}`)
}

/** One raw file to transform. */
export interface PlannedFile {
  key: string
  etag: string
  size: number
  dataset: string
  fileId: string
}

export interface PlanBatch {
  items: PlannedFile[]
  /** Files left for the next batch. */
  more: boolean
  /** Data files whose current version is committed already. */
  skipped: number
}

export interface PlanSources {
  /** The raw objects considered (a listing, or the one dropped object). */
  objects: ObjectInfo[]
  /** `<file id>--<version id>` of every committed version. */
  committed: Set<string>
  /** File ids with an unfinished publish: they are processed again whatever their version. */
  intents: Set<string>
  /** Keys that already failed in this run: not retried within it. */
  failedInRun: Set<string>
  batchSize: number
  /** Serialized size the items may take, to keep state payloads under Step Functions' limit. */
  maxBatchBytes: number
}

/** Picks the next batch of raw files that need processing, in key order. */
export function planBatch(sources: PlanSources): PlanBatch {
  const items: PlannedFile[] = []
  let skipped = 0
  let bytes = 0
  let more = false
  for (const object of [...sources.objects].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const dataset = datasetOfKey(object.key)
    if (!dataset || sources.failedInRun.has(object.key)) continue
    const id = fileId(object.key)
    if (sources.committed.has(`${id}--${versionId(object.etag)}`) && !sources.intents.has(id)) {
      skipped += 1
      continue
    }
    const item: PlannedFile = { key: object.key, etag: object.etag, size: object.size, dataset, fileId: id }
    const size = JSON.stringify(item).length + 1
    if (items.length >= sources.batchSize || bytes + size > sources.maxBatchBytes) {
      // Left for a later batch (or, past the run's file cap, for the next run).
      more = true
      continue
    }
    items.push(item)
    bytes += size
  }
  return { items, more, skipped }
}
