import type { TableFormatName } from '../core/table-format/table-format'
import { tableHistory, type HistoryEntry } from '../core/table-format/iceberg/time-travel'
import { readPointer, type IcebergTarget } from './iceberg-commit'
import { readTableMetadata } from './iceberg-files'

/**
 * A table's retained snapshots, newest first, from the metadata its catalog pointer names:
 * none for a Hive table (it keeps no history); undefined when the catalog has no such table.
 */
export async function readTableHistory(target: IcebergTarget, name: string): Promise<{ format: TableFormatName; entries: HistoryEntry[] } | undefined> {
  const { read, location } = await readPointer(target, name)
  if (!read) return undefined
  if (!location) return { format: 'hive', entries: [] }
  return { format: 'iceberg', entries: tableHistory(await readTableMetadata(target.store, location)).reverse() }
}
