import { InvalidInputError } from '../errors'
import { datasetName, datasetOfKey, fileId, isCompressedKey } from './lake-layout'
import { versionId } from './ledger'
import type { ObjectInfo } from './object-store'
import { MAX_MAP_CONCURRENCY } from './step-deps'

/**
 * The workflow's input: a sweep of the raw zone, or dropped (or deleted) objects: one key as
 * a user or an S3 event gives it, several, or a batch of queued S3 events as EventBridge Pipes
 * hands them over from SQS (an array of messages whose bodies are the events).
 */
export type WorkflowTrigger = { trigger: 'schedule' } | { trigger: 'object'; keys: string[] } | { trigger: 'reprocess'; dataset: string }

/** Most keys one execution input may name (a Pipes batch is at most 100 messages). */
export const MAX_INPUT_KEYS = 1000

/** Validates the execution input; anything else fails the run with InvalidInputError. */
export function parseWorkflowInput(input: unknown): WorkflowTrigger {
  const expected = 'expected {"trigger":"schedule"}, {"trigger":"object","key":"<raw key>"}, {"trigger":"object","keys":[…]}, {"trigger":"reprocess","dataset":"<dataset>"} or a batch of queued S3 events'
  if (Array.isArray(input)) return { trigger: 'object', keys: queuedKeys(input, expected) }
  if (typeof input !== 'object' || input === null) {
    throw new InvalidInputError(`input: ${expected}, got ${JSON.stringify(input)}`)
  }
  const { trigger, key, keys, dataset, ...rest } = input as Record<string, unknown>
  const extra = Object.keys(rest).filter((k) => k !== 'maxConcurrency')
  if (extra.length > 0) throw new InvalidInputError(`input: unknown field(s) ${extra.join(', ')}; ${expected}`)
  requestedConcurrency(input)
  if (trigger === 'reprocess' && key === undefined && keys === undefined) {
    if (typeof dataset === 'string' && dataset.length > 0 && datasetName(dataset) === dataset && !dataset.includes('__')) return { trigger, dataset }
    throw new InvalidInputError(`input: reprocess needs "dataset", the name of a dataset (a table such as orders), got ${JSON.stringify(dataset)}`)
  }
  if (dataset !== undefined) throw new InvalidInputError(`input: unknown field(s) dataset; ${expected}`)
  if (trigger === 'schedule' && key === undefined && keys === undefined) return { trigger }
  if (trigger === 'object' && typeof key === 'string' && key.length > 0 && keys === undefined) return { trigger, keys: [cleanKey(key)] }
  if (trigger === 'object' && key === undefined && Array.isArray(keys) && keys.length > 0 && keys.length <= MAX_INPUT_KEYS && keys.every((k) => typeof k === 'string' && k.length > 0)) {
    return { trigger, keys: [...new Set((keys as string[]).map(cleanKey))] }
  }
  throw new InvalidInputError(`input: ${expected}, got ${JSON.stringify(input)?.slice(0, 300)}`)
}

/**
 * The execution input's `maxConcurrency`, the Map's concurrency for this run, when it gives
 * one: a whole JSON number from 0 (no limit) to MAX_MAP_CONCURRENCY. Anything else (-1, "8",
 * 0.5) is refused rather than rounded or ignored, so that a typo never runs unbounded.
 */
export function requestedConcurrency(input: unknown): number | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !('maxConcurrency' in input)) return undefined
  const value = (input as { maxConcurrency: unknown }).maxConcurrency
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_MAP_CONCURRENCY) return value
  throw new InvalidInputError(`input: maxConcurrency must be a whole number from 0 (no limit) to ${MAX_MAP_CONCURRENCY}, got ${JSON.stringify(value) ?? String(value)}`)
}

const cleanKey = (key: string) => key.replace(/^\/+/, '')

/** Keys of a batch of SQS messages whose bodies are EventBridge S3 events (created or deleted). */
function queuedKeys(messages: unknown[], expected: string): string[] {
  const keys = new Set<string>()
  for (const message of messages) {
    const body = (message as { body?: unknown })?.body
    let event: { detail?: { object?: { key?: unknown } } } | undefined
    try {
      event = typeof body === 'string' ? (JSON.parse(body) as typeof event) : (body as typeof event)
    } catch {
      event = undefined
    }
    const key = event?.detail?.object?.key
    if (typeof key !== 'string' || key.length === 0) {
      throw new InvalidInputError(`input: ${expected}; a queued message has no S3 object key: ${JSON.stringify(message)?.slice(0, 300)}`)
    }
    keys.add(cleanKey(key))
  }
  if (keys.size === 0 || keys.size > MAX_INPUT_KEYS) throw new InvalidInputError(`input: ${expected}; got ${keys.size} queued key(s)`)
  return [...keys]
}

/** One raw file to transform. */
export interface PlannedFile {
  key: string
  etag: string
  size: number
  dataset: string
  fileId: string
  /** The raw file is gone: its rows are to be retracted (Transform passes it straight to Load). */
  retract?: true
  /**
   * One of `count` byte ranges of a large file, each converted by a Transform of its own; Load
   * commits them together as one version of the file.
   */
  range?: FileRange
  /**
   * A reprocess builds this file into a new generation of its table (generation.ts); `last`
   * on the items of the rebuild's final batch, whose Load swaps the generation in. A final
   * batch with no file left to build carries one item with no key, marked `retract` so that
   * Transform passes it through.
   */
  rebuild?: { generation: string; last?: true }
}

/** Range `index` of `count`: Transform finds its byte bounds from these and the file's size. */
export interface FileRange {
  index: number
  count: number
}

/** Most ranges a file is split into, so that its items stay far below the state payload limit. */
export const MAX_RANGES = 200

/**
 * How many byte ranges a file is converted in: one per `splitBytes` (at most MAX_RANGES), or
 * 1 for a file at most that large and for a compressed one (gzip, zstd), which cannot be read
 * from the middle.
 */
export function rangeCount(key: string, size: number, splitBytes: number): number {
  if (!(splitBytes > 0) || size <= splitBytes || isCompressedKey(key)) return 1
  return Math.min(MAX_RANGES, Math.ceil(size / splitBytes))
}

export interface PlanBatch {
  items: PlannedFile[]
  /** Files left for the next batch. */
  more: boolean
  /** How many files need processing beyond this batch. */
  pending: number
  /** Data files whose current version is committed already. */
  skipped: number
  /** Data files whose current version is quarantined. */
  quarantined: number
}

export interface PlanSources {
  /** The raw objects considered (a listing, or the dropped objects). */
  objects: ObjectInfo[]
  /** Committed files whose raw key is gone: their rows are retracted. */
  gone: { key: string; dataset: string; fileId: string }[]
  /** `<file id>--<version id>` of every committed version. */
  committed: Set<string>
  /** File ids with a publish that died unfinished: processed again whatever their version. */
  intents: Set<string>
  /** `<file id>--<version id>` of every quarantined version: left alone until it changes or is retried. */
  quarantined?: Set<string>
  /** Committed versions of a table generation that is no longer live: loaded again (generation.ts). */
  stale?: Set<string>
  /**
   * `<key>\n<etag>` of every file version this run has reported (loaded, failed, skipped, …):
   * not planned again within the run. A version that changes meanwhile is new, and planned.
   */
  doneInRun: Set<string>
  batchSize: number
  /** Serialized size the items may take, to keep state payloads under Step Functions' limit. */
  maxBatchBytes: number
  /** A file larger than this is split into byte ranges (0: never). */
  splitBytes?: number
}

/**
 * Picks the next batch of raw files that need processing, in key order, then retractions. A
 * file above `splitBytes` becomes one item per byte range, all in the same batch (a file
 * with more ranges than the batch holds still goes alone in an otherwise empty batch).
 */
export function planBatch(sources: PlanSources): PlanBatch {
  const items: PlannedFile[] = []
  let skipped = 0
  let quarantined = 0
  let bytes = 0
  let pending = 0
  const wanted: PlannedFile[] = []
  for (const object of [...sources.objects].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const dataset = datasetOfKey(object.key)
    if (!dataset || sources.doneInRun.has(`${object.key}\n${object.etag}`)) continue
    const id = fileId(object.key)
    const version = `${id}--${versionId(object.etag)}`
    if (sources.committed.has(version) && !sources.intents.has(id) && !sources.stale?.has(version)) {
      skipped += 1
      continue
    }
    if (sources.quarantined?.has(version)) {
      quarantined += 1
      continue
    }
    wanted.push({ key: object.key, etag: object.etag, size: object.size, dataset, fileId: id })
  }
  for (const g of [...sources.gone].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    if (!sources.doneInRun.has(`${g.key}\n`)) wanted.push({ ...g, etag: '', size: 0, retract: true })
  }
  for (const item of wanted) {
    const count = item.retract ? 1 : rangeCount(item.key, item.size, sources.splitBytes ?? 0)
    const split = count === 1 ? [item] : Array.from({ length: count }, (_, index) => ({ ...item, range: { index, count } }))
    const size = split.reduce((n, i) => n + JSON.stringify(i).length + 1, 0)
    const fits = items.length + split.length <= sources.batchSize && bytes + size <= sources.maxBatchBytes
    if (!fits && (items.length > 0 || count === 1 || sources.batchSize === 0)) {
      // Left for a later batch (or, past the run's file cap, for the run's successor).
      pending += 1
      continue
    }
    items.push(...split)
    bytes += size
  }
  return { items, more: pending > 0, pending, skipped, quarantined }
}
