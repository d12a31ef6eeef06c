import type { PlannedFile } from './plan-files'

/** A table's columns as the planner passes them to the transform (Athena type names). */
export type TableColumns = { name: string; type: string }[]

/** What the planner decides for one loop; Plan writes its items and shared fields to the curated zone. */
export interface PlannedBatch {
  runId: string
  trigger: 'schedule' | 'object' | 'reprocess'
  ingestDate: string
  startedAt: string
  items: PlannedFile[]
  more: boolean
  /** Files that need processing beyond this batch (capped by the run's file limit or not). */
  pending: number
  skipped: number
  /** Datasets of this batch that have a contract. */
  contracts: string[]
  /** Current columns of this batch's tables that exist already. */
  tables: Record<string, TableColumns>
  maxConcurrency: number
  /**
   * Homes of excise marks a sweep found that outlived any Load (a Load crashed between a commit
   * and its compaction), per dataset: this batch's Load compacts them. Empty for drops.
   */
  excise: Record<string, string[]>
  /** Files this run has reported so far (loaded, empty, failed). */
  reported: number
  failed: number
  failedCause: string
}

/**
 * Where one loop's batch lives in the curated zone (`_batches/<run id>/<loop>/`): the items as
 * the JSON array the Distributed Map's ItemReader reads, and the fields every Transform shares.
 * `files` is 0, and the keys empty, when there is nothing to do.
 */
export interface BatchRef {
  bucket: string
  /** The items: a JSON array of PlannedFile. */
  key: string
  /** The shared fields: a BatchContext. */
  context: string
  /** Prefix the Map's ResultWriter writes the child executions' results under. */
  results: string
  /** Items in the manifest. */
  files: number
  /** Items one Transform converts at most (the ItemBatcher's MaxItemsPerBatchPath). */
  itemsPerBatch: number
}

/** The fields every Transform of a batch shares, kept beside the items (tables can be wide). */
export interface BatchContext {
  runId: string
  /** Datasets of this batch that have a contract. */
  contracts: string[]
  /** Current columns of this batch's tables that exist already. */
  tables: Record<string, TableColumns>
}

/** What Plan returns: the state the workflow carries between steps, keys and counts only. */
export interface PlanOutput extends Omit<PlannedBatch, 'items' | 'contracts' | 'tables'> {
  batch: BatchRef
}

/** Input of one Transform invocation, as the Distributed Map's ItemBatcher builds it. */
export interface TransformBatchEvent {
  Items: PlannedFile[]
  BatchInput: { runId: string; bucket: string; context: string }
}

/** One file's conversion within a batch (the batch step builds it from the shared fields). */
export interface TransformEvent {
  runId: string
  file: PlannedFile
  contracts: string[]
  tables: Record<string, TableColumns>
}

/** What Transform returns: keys and counts only; the full stats stay in the staging area. */
export interface TransformResult {
  status: 'transformed' | 'empty'
  file: PlannedFile
  rowsIn: number
  rowsOut: number
  rowsRejected: number
}

/** What Transform returns for a raw file that is gone: Load retracts its rows. */
export interface RetractResult {
  status: 'retract'
  file: PlannedFile
}

/** A file whose transform failed: returned by the batch step, or made by Load for a failed child execution. */
export interface FailedResult {
  status: 'failed'
  file: PlannedFile
  error: string
  cause: string
}

/** One file's result in a batch's output. */
export type FileResult = TransformResult | FailedResult | RetractResult

/** The Distributed Map's output once its ResultWriter has written the results. */
export interface MapRunOutput {
  MapRunArn: string
  ResultWriterDetails: { Bucket: string; Key: string }
}

/** What the Map's Catch leaves when the Map run failed as a whole. */
export interface MapRunError {
  Error: string
  Cause: string
}

/** What Load is told of its run and batch, besides the files. */
interface LoadFields {
  runId: string
  trigger: 'schedule' | 'object' | 'reprocess'
  ingestDate: string
  startedAt: string
  skipped: number
  /** Files waiting beyond this batch, as Plan counted them. */
  pending?: number
  /** Homes to compact for excise marks a crashed Load left (PlanOutput's `excise`). */
  excise?: Record<string, string[]>
}

/** Input of Load (built by its Parameters): the batch and the Map run's results, by key. */
export interface LoadRequest extends LoadFields {
  batch: BatchRef
  mapRun: MapRunOutput | MapRunError
}

/** A batch with its results read: what Load commits. */
export interface LoadEvent extends LoadFields {
  results: FileResult[]
}

export interface LoadOutput {
  loaded: number
  empty: number
  /** Failed files, quarantined ones included. */
  failed: number
  /** Failed files set aside in quarantine. */
  quarantined: number
  /** Files left uncommitted because a column clashed with a file loaded before them: planned again. */
  retried: number
  superseded: number
  retracted: number
}
