/**
 * How a curated table is kept: `hive`, Parquet parts in partition folders that the catalog
 * registers (a query sees whatever the folders hold when it lists them), or `iceberg`,
 * snapshots behind one metadata pointer (a query sees one whole commit).
 */
export type TableFormatName = 'hive' | 'iceberg'

/** The table formats a lake or a dataset's contract may name. */
export const TABLE_FORMAT_NAMES: readonly TableFormatName[] = ['hive', 'iceberg']

/** The lake's format when neither the deployment nor the local lake settings name one. */
export const DEFAULT_TABLE_FORMAT: TableFormatName = 'hive'

/**
 * The variable that carries the lake's format to the step Lambdas (from `sluice:tableFormat`)
 * and to the local commands (beside `sluice.config.json` and `--table-format`).
 */
export const TABLE_FORMAT_VARIABLE = 'SLUICE_TABLE_FORMAT'

/** Whether `value` names a table format. */
export function isTableFormatName(value: unknown): value is TableFormatName {
  return typeof value === 'string' && (TABLE_FORMAT_NAMES as readonly string[]).includes(value)
}

/**
 * The format a dataset's new table is created in: its contract's `tableFormat`, else the
 * lake's. It says nothing about a table that exists already: a reader or a commit takes an
 * existing table's format from its catalog entry (an existing table keeps its format until
 * `sluice convert` changes it).
 */
export function datasetTableFormat(contract: { tableFormat?: TableFormatName } | undefined, lakeDefault: TableFormatName): TableFormatName {
  return contract?.tableFormat ?? lakeDefault
}
