import type { TableInput } from '../../lake/catalog'

/**
 * Load keeps working on a Hive-shaped definition of an Iceberg dataset (its columns, partition
 * keys and generation), which names its format in this parameter; the catalog holds the
 * Iceberg entry (iceberg-table-input.ts).
 */
export const TABLE_FORMAT_PARAMETER = 'sluice.table-format'

/**
 * A renamed column's parameter on the working definition: `sluice.renamed.<new name>` holds
 * the name before. Every rename stays, so the schema sync keeps the field's id.
 */
export const RENAMED_PARAMETER_PREFIX = 'sluice.renamed.'

/** Whether a table definition is the working definition of an Iceberg dataset. */
export function isIcebergDefinition(table: TableInput | undefined): boolean {
  return table?.Parameters[TABLE_FORMAT_PARAMETER] === 'iceberg'
}

/**
 * The renames a working definition records, new name → the name before, for `evolveSchema`
 * and `withSchema` to keep each renamed column's field id and its former names.
 */
export function renamesOf(table: TableInput): Record<string, string> {
  return Object.fromEntries(
    Object.entries(table.Parameters)
      .filter(([key, before]) => key.startsWith(RENAMED_PARAMETER_PREFIX) && key.length > RENAMED_PARAMETER_PREFIX.length && before !== '')
      .map(([key, before]) => [key.slice(RENAMED_PARAMETER_PREFIX.length), before]),
  )
}

/** The parameters recording renames (new name → the name before), to add to a definition's. */
export function renameParameters(renames: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(renames).map(([name, before]) => [`${RENAMED_PARAMETER_PREFIX}${name}`, before]))
}
