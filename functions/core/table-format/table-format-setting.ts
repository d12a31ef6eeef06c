import { isTableFormatName, TABLE_FORMAT_NAMES, type TableFormatName } from '../schema/table-format-name'

export { isTableFormatName, TABLE_FORMAT_NAMES, type TableFormatName }

/** The lake's format when neither the deployment nor the local lake settings name one. */
export const DEFAULT_TABLE_FORMAT: TableFormatName = 'hive'

/**
 * The variable that carries the lake's format to the step Lambdas (from `sluice:tableFormat`)
 * and to the local commands (beside `sluice.config.json` and `--table-format`).
 */
export const TABLE_FORMAT_VARIABLE = 'SLUICE_TABLE_FORMAT'

/**
 * The format a dataset's new table is created in: its contract's `tableFormat`, else the
 * lake's. It says nothing about a table that exists already: a reader or a commit takes an
 * existing table's format from its catalog entry (an existing table keeps its format until
 * `sluice convert` changes it).
 */
export function datasetTableFormat(contract: { tableFormat?: TableFormatName } | undefined, lakeDefault: TableFormatName): TableFormatName {
  return contract?.tableFormat ?? lakeDefault
}
