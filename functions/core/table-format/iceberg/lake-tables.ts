import type { TableInput } from '../../lake/catalog'
import { rejectsTable } from '../../lake/lake-layout'
import { TABLE_FORMAT_PARAMETER } from './working-definition'

/**
 * How an Iceberg dataset sits beside the Load machinery. Load keeps working on a Hive-shaped
 * "working definition" of each table (columns, partition keys, generation), kept in the curated
 * zone where no reader looks; the catalog holds only the Iceberg table, whose snapshots are
 * synced from the ledger heads (the per-file truth of which version is loaded). Curated keys:
 *
 *   _iceberg/<table>.json                                 the working definition
 *   _iceberg-pending/<dataset>/<run id>.json             sources whose heads changed, not yet synced
 *   _iceberg/<table>/retired/<time>-<id>.json            parts that left the ledger, deleted by
 *                                                          expiry once no retained snapshot has them
 *   _iceberg/<table>/merged/, _iceberg/<table>/shared/   merged data files' records (merged-files.ts)
 *   <table>/metadata/…                                     the Iceberg metadata (docs/iceberg.md)
 */

/** Iceberg table property: the table generation (generation.ts) the snapshots were synced from. */
export const SYNCED_GENERATION_PROPERTY = 'sluice.generation'

export const workingTableKey = (table: string) => `_iceberg/${table}.json`
/** Every pending sync of the lake: a listing as short as the syncs a crash left. */
export const PENDING_SYNCS = '_iceberg-pending/'
export const pendingSyncPrefix = (dataset: string) => `${PENDING_SYNCS}${dataset}/`
export const pendingSyncKey = (dataset: string, runId: string) => `${pendingSyncPrefix(dataset)}${runId}.json`
export const retiredPrefix = (table: string) => `_iceberg/${table}/retired/`
export const retiredKey = (table: string, at: Date, id: string) => `${retiredPrefix(table)}${at.toISOString().replace(/[:.]/g, '')}-${id}.json`

/** Sources (file ids) whose ledger heads a run changed: what its sync covers after a crash. */
export interface PendingSync {
  runId: string
  writtenAt: string
  sources: string[]
}

/** Parts that left the ledger (a replaced or retracted version's) at `retiredAt`. */
export interface RetiredParts {
  retiredAt: string
  keys: string[]
}

/** The definition marked as an Iceberg table's working definition (working-definition.ts). */
export function asWorking(table: TableInput): TableInput {
  return { ...table, Parameters: { ...table.Parameters, [TABLE_FORMAT_PARAMETER]: 'iceberg' } }
}

/** The dataset a table belongs to: itself, or the dataset of a rejects table. */
export function datasetOfTable(table: string): string {
  const suffix = rejectsTable('')
  return table.endsWith(suffix) ? table.slice(0, -suffix.length) : table
}

/** The table a curated key belongs to (its first segment): the dataset's or its rejects table. */
export const tableOfKey = (key: string) => key.slice(0, key.indexOf('/'))
