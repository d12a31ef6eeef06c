/*
 * The names of the table formats, which a dataset's contract may give (`"tableFormat"`): here,
 * below the contract, so that the contract's reading does not depend on the table formats'
 * code (table-format/ builds on schema/, not the other way).
 */

/**
 * How a curated table is kept: `hive`, Parquet parts in partition folders that the catalog
 * registers (a query sees whatever the folders hold when it lists them), or `iceberg`,
 * snapshots behind one metadata pointer (a query sees one whole commit).
 */
export type TableFormatName = 'hive' | 'iceberg'

/** The table formats a lake or a dataset's contract may name. */
export const TABLE_FORMAT_NAMES: readonly TableFormatName[] = ['hive', 'iceberg']

/** Whether `value` names a table format. */
export function isTableFormatName(value: unknown): value is TableFormatName {
  return typeof value === 'string' && (TABLE_FORMAT_NAMES as readonly string[]).includes(value)
}
