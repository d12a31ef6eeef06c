import type { PlannedFile } from './plan-files'

/** A table's columns as the planner passes them to the transform (Athena type names). */
export type TableColumns = { name: string; type: string }[]

/** What Plan returns: the state the workflow carries between steps. Keep it small. */
export interface PlanOutput {
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

/** Input of one Transform task (built by the Map's ItemSelector). */
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

/** What the Map's Catch turns a failed Transform into. */
export interface FailedResult {
  status: 'failed'
  file: PlannedFile
  error: string
  cause: string
}

/** Input of Load (built by its Parameters). */
export interface LoadEvent {
  runId: string
  trigger: 'schedule' | 'object' | 'reprocess'
  ingestDate: string
  startedAt: string
  skipped: number
  /** Files waiting beyond this batch, as Plan counted them. */
  pending?: number
  /** Homes to compact for excise marks a crashed Load left (PlanOutput's `excise`). */
  excise?: Record<string, string[]>
  results: (TransformResult | FailedResult | RetractResult)[]
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
