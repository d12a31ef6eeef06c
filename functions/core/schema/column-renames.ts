import type { CatalogColumn } from '../lake/catalog'
import type { ColumnInfo } from '../transform-types'

/**
 * The renames a batch's files ask of the table, new name → the name before: a contract column
 * with `renamedFrom` whose table has the former name and not the new one. A rename the table
 * has made already (or a table that never had the former name) asks nothing. When two files
 * rename one column differently, the first (in key order) wins; the other's column is then
 * new to the table.
 */
export function pendingRenames(table: CatalogColumn[] | undefined, files: { key: string; columns: Pick<ColumnInfo, 'name' | 'renamedFrom'>[] }[]): Record<string, string> {
  const names = new Set((table ?? []).map((c) => c.Name))
  const renames: Record<string, string> = {}
  const taken = new Set<string>()
  for (const file of [...files].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    for (const c of file.columns) {
      const before = c.renamedFrom
      if (!before || !names.has(before) || names.has(c.name) || taken.has(before) || c.name in renames) continue
      renames[c.name] = before
      taken.add(before)
    }
  }
  return renames
}

/** Whether a file asks for one of these renames. */
export function asksRename(file: { columns: Pick<ColumnInfo, 'name' | 'renamedFrom'>[] }, renames: Record<string, string>): boolean {
  return file.columns.some((c) => c.renamedFrom !== undefined && renames[c.name] === c.renamedFrom)
}

/** The table's columns with these renames made in place: same position, type and comment. */
export function renameColumns(columns: CatalogColumn[], renames: Record<string, string>): CatalogColumn[] {
  const newName = new Map(Object.entries(renames).map(([name, before]) => [before, name]))
  return columns.map((c) => (newName.has(c.Name) ? { ...c, Name: newName.get(c.Name)! } : c))
}

/**
 * A file's columns that are new to the table under a name a column had before its rename (an
 * old header with no alias): each with the column that had the name. Such a column cannot join
 * the table, since the name mapping already gives that name to the renamed column.
 */
export function reusedFormerNames(table: CatalogColumn[], renames: Record<string, string>, columns: Pick<ColumnInfo, 'name'>[]): { column: string; now: string }[] {
  const names = new Set(table.map((c) => c.Name))
  const after = new Map(Object.entries(renames).map(([name, before]) => [before, name]))
  const reused: { column: string; now: string }[] = []
  for (const c of columns) {
    if (names.has(c.name) || !after.has(c.name)) continue
    // Follow the renames forward to the column's name now (a cycle ends the walk).
    let now = after.get(c.name)!
    for (const seen = new Set([c.name]); !names.has(now) && after.has(now) && !seen.has(now); seen.add(now)) now = after.get(now)!
    if (names.has(now)) reused.push({ column: c.name, now })
  }
  return reused
}
