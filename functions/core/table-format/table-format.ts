import type { CatalogColumn } from '../lake/catalog'

/**
 * How a curated table is kept: `hive`, Parquet parts in partition folders that the catalog
 * registers (a query sees whatever the folders hold when it lists them), or `iceberg`,
 * snapshots behind one metadata pointer (a query sees one whole commit).
 */
export type TableFormatName = 'hive' | 'iceberg'

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
}

/**
 * The one interface the callers of a curated table speak to, whatever its format. Today it is
 * the read side (local queries, the reader-isolation check); the commit side joins it when Load
 * is wired to it (docs/iceberg.md).
 */
export interface TableFormat {
  readonly name: TableFormatName
  /** The table as a query sees it now; undefined when the catalog has no such table. */
  readTable(table: string): Promise<TableState | undefined>
}
