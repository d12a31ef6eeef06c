import { isTableFormatName, TABLE_FORMAT_NAMES, type TableFormatName } from '../schema/table-format-name'

export { isTableFormatName, TABLE_FORMAT_NAMES, type TableFormatName }

/** The format of a new lake's tables when neither the deployment nor the local lake settings name one. */
export const DEFAULT_TABLE_FORMAT: TableFormatName = 'iceberg'

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
/**
 * The lake's format for new tables when no setting names one: the format its tables have. A
 * lake that holds a Hive table (one made before Iceberg became the default) keeps making Hive
 * tables until a setting says otherwise; a lake of Iceberg tables only, or of no table yet,
 * makes DEFAULT_TABLE_FORMAT's.
 */
export function establishedTableFormat(tables: { iceberg: boolean }[]): TableFormatName {
  return tables.some((t) => !t.iceberg) ? 'hive' : DEFAULT_TABLE_FORMAT
}

export function datasetTableFormat(contract: { tableFormat?: TableFormatName } | undefined, lakeDefault: TableFormatName): TableFormatName {
  return contract?.tableFormat ?? lakeDefault
}
