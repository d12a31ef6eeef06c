import type { CatalogColumn } from '../lake/catalog'
import type { TableFormatName } from './table-format-setting'

/** One data file a query reads, with the values of its partition columns as text. */
export interface TableDataFile {
  location: string
  partition: Record<string, string>
}

/** What a query of a table reads: its columns (partition columns included) and its data files. */
export interface TableState {
  columns: CatalogColumn[]
  /** The partition columns among `columns`, whose values come from each file's `partition`. */
  partitionColumns: string[]
  files: TableDataFile[]
  /**
   * For a table whose columns have ids (Iceberg): every name a data column's values may have in
   * a data file, by its name in `columns` (that name first), from the table's name mapping.
   * Absent: files hold each column under its name in `columns`.
   */
  fileColumnNames?: Record<string, string[]>
}

/** Which state of a table to read: an earlier snapshot, by the time it was current or by its id. */
export interface ReadOptions {
  asOf?: Date | number
}

/**
 * The one interface the callers of a curated table speak to, whatever its format. Today it is
 * the read side (local queries, the reader-isolation check); the commit side joins it when Load
 * is wired to it (docs/iceberg.md).
 */
export interface TableFormat {
  readonly name: TableFormatName
  /**
   * The table as a query sees it now, or as of an earlier snapshot (Iceberg only); undefined
   * when the catalog has no such table.
   */
  readTable(table: string, options?: ReadOptions): Promise<TableState | undefined>
}
