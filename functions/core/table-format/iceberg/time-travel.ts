import { SluiceError } from '../../errors'
import type { Snapshot, TableMetadata } from './iceberg-model'

/** No retained snapshot answers an as-of request: before the table's first, or expired. */
export class SnapshotNotFoundError extends SluiceError {}

/**
 * The snapshot a query as of `at` reads: the snapshot with that id, or the one that was current
 * at that time (the last `snapshot-log` entry at or before it), as Athena's `FOR TIMESTAMP AS OF`.
 */
export function snapshotAsOf(metadata: TableMetadata, at: Date | number, table: string): Snapshot {
  const byId = (id: number) => metadata.snapshots.find((s) => s['snapshot-id'] === id)
  if (typeof at === 'number') {
    const snapshot = byId(at)
    if (!snapshot) throw new SnapshotNotFoundError(`iceberg: ${table} has no snapshot ${at}; ${earliest(metadata)}`)
    return snapshot
  }
  const entry = metadata['snapshot-log'].filter((e) => e['timestamp-ms'] <= at.getTime()).at(-1)
  const snapshot = entry && byId(entry['snapshot-id'])
  if (!snapshot) throw new SnapshotNotFoundError(`iceberg: ${table} has no snapshot as of ${at.toISOString()}; ${earliest(metadata)}`)
  return snapshot
}

/** Where the retained history of a table starts, for an as-of that finds no snapshot. */
function earliest(metadata: TableMetadata): string {
  const first = [...metadata.snapshots].sort((a, b) => a['timestamp-ms'] - b['timestamp-ms'])[0]
  return first ? `its earliest retained snapshot is ${first['snapshot-id']} at ${new Date(first['timestamp-ms']).toISOString()}` : 'it has no snapshot yet'
}

/** One commit of a table, as `sluice history` lists it. */
export interface HistoryEntry {
  snapshotId: number
  committedAt: string
  operation: string
  runId?: string
  addedFiles: number
  deletedFiles: number
  addedRows: number
  deletedRows: number
  totalRows: number
  current: boolean
}

/** The table's retained snapshots, oldest first, with what each changed. */
export function tableHistory(metadata: TableMetadata): HistoryEntry[] {
  return [...metadata.snapshots]
    .sort((a, b) => a['sequence-number'] - b['sequence-number'])
    .map((s) => {
      const n = (key: string) => Number(s.summary[key] ?? 0)
      return {
        snapshotId: s['snapshot-id'],
        committedAt: new Date(s['timestamp-ms']).toISOString(),
        operation: s.summary.operation,
        ...(s.summary['sluice.run-id'] ? { runId: s.summary['sluice.run-id'] } : {}),
        addedFiles: n('added-data-files'),
        deletedFiles: n('deleted-data-files'),
        addedRows: n('added-records'),
        deletedRows: n('deleted-records'),
        totalRows: n('total-records'),
        current: s['snapshot-id'] === metadata['current-snapshot-id'],
      }
    })
}
