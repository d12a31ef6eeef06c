import type { Catalog } from './catalog'
import type { ObjectStore } from './object-store'
import type { TableFormatName } from '../schema/table-format-name'

/** What every workflow step works on: the two zones and the catalog. */
export interface LakeDeps {
  raw: ObjectStore
  curated: ObjectStore
  catalog: Catalog
  /** Glue database of the curated tables. */
  database: string
  /**
   * The deployment's half of the opt-in to record text on the status site (core/site/record-text.ts);
   * the dataset's contract holds the other. Off when absent.
   */
  siteRecordText?: boolean
  /**
   * How long an Iceberg table keeps a snapshot after it stopped being current (and the files only
   * it holds): time travel and readers mid-query rely on it. 24 h when absent; at least 1 h.
   */
  snapshotRetentionMs?: number
  /**
   * The lake's table format: the one a dataset's new table is created in unless its contract
   * names another (core/table-format/table-format-setting.ts). An existing table keeps its own.
   */
  tableFormat?: TableFormatName
}

/** Settings of the planner. */
export interface PlanSettings {
  /** Most files per batch (one Map run, one Load: Load commits them in its 15 minutes). */
  batchSize: number
  /**
   * Serialized size of a batch's items (its manifest in the curated zone, which Plan writes and
   * Load reads whole); the state carries only the manifest's key.
   */
  maxBatchBytes: number
  /** Child executions (Transform invocations) the Map runs at once when the execution input gives none. */
  maxConcurrency: number
  /**
   * Files one execution reports at most; the rest go to a successor execution. A loop adds
   * about 21 history events whatever its batch holds (the Distributed Map's children have
   * histories of their own), and a Standard execution stops at 25,000: 250,000 files in
   * batches of 500 are 500 loops, about 10,500 events, room left for retries.
   */
  maxFilesPerRun: number
  /**
   * What a deleted raw file does to its rows: `retract` removes them at the next sweep (or at
   * its delete event), so the lake mirrors the raw zone, renames never duplicate and erasing
   * data is possible; `keep` leaves them, for a raw zone that is cleaned out after loading.
   */
  onDelete: 'retract' | 'keep'
  /**
   * Bytes above which an uncompressed file is split into byte ranges, each converted by its own
   * Transform, and committed by Load as one version; 0 never splits.
   */
  splitBytes: number
}

/**
 * The most Transform tasks one Map may run at once (`maxConcurrency`, `sluice:mapConcurrency`):
 * a distributed Map's limit; 0 is ASL's "no limit".
 */
export const MAX_MAP_CONCURRENCY = 10_000

/** Default split size: about 2 GB, a range a Transform Lambda converts in a few minutes. */
export const DEFAULT_SPLIT_BYTES = 2 * 1024 ** 3

export const DEFAULT_PLAN_SETTINGS: PlanSettings = {
  batchSize: 500,
  maxBatchBytes: 4 * 1024 ** 2,
  maxConcurrency: 8,
  maxFilesPerRun: 250_000,
  onDelete: 'retract',
  splitBytes: DEFAULT_SPLIT_BYTES,
}
