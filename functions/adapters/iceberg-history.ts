import type { TableInput } from '../core/lake/catalog'
import type { ObjectStore } from '../core/lake/object-store'
import type { TableFormatName } from '../core/table-format/table-format-setting'
import { metadataLocationOf } from '../core/table-format/iceberg/iceberg-table-input'
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

/**
 * The retained snapshots (newest first) of the Iceberg tables among `tables` that `datasets`
 * names, each read from the metadata file its catalog entry points at; Hive tables are left out.
 */
export async function tableHistories(store: ObjectStore, tables: TableInput[], datasets: string[]): Promise<Record<string, HistoryEntry[]>> {
  const histories: Record<string, HistoryEntry[]> = {}
  for (const table of tables) {
    const location = metadataLocationOf(table)
    if (!location || !datasets.includes(table.Name)) continue
    histories[table.Name] = tableHistory(await readTableMetadata(store, location)).reverse()
  }
  return histories
}
