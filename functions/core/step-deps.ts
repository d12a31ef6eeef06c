import type { Catalog } from './catalog'
import type { ObjectStore } from './object-store'

/** What every workflow step works on: the two zones and the catalog. */
export interface LakeDeps {
  raw: ObjectStore
  curated: ObjectStore
  catalog: Catalog
  /** Glue database of the curated tables. */
  database: string
}

/** Settings of the planner. */
export interface PlanSettings {
  /** Most files per batch (one Map run). */
  batchSize: number
  /** Serialized size the batch's items may take in the state payload. */
  maxBatchBytes: number
  /** Map concurrency when the execution input gives none. */
  maxConcurrency: number
  /**
   * Files one execution reports at most; the rest wait for the next run. An inline Map adds
   * about 7 history events per file and a Standard execution stops at 25,000 events.
   */
  maxFilesPerRun: number
}

export const DEFAULT_PLAN_SETTINGS: PlanSettings = { batchSize: 500, maxBatchBytes: 96 * 1024, maxConcurrency: 8, maxFilesPerRun: 3000 }
