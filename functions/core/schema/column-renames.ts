import type { CatalogColumn } from './catalog-column'
import type { ColumnInfo } from './column-info'

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
 * Each name a column of the table had before its renames, with the column's name now: the
 * renames (new name → the name before) are followed forward to a column the table has (a cycle
 * ends the walk). The parts loaded before a rename hold the column under its former name.
 */
export function formerNames(table: CatalogColumn[], renames: Record<string, string>): Map<string, string> {
  const names = new Set(table.map((c) => c.Name))
  const after = new Map(Object.entries(renames).map(([name, before]) => [before, name]))
  const former = new Map<string, string>()
  for (const before of after.keys()) {
    if (names.has(before)) continue
    let now = after.get(before)!
    for (const seen = new Set([before]); !names.has(now) && after.has(now) && !seen.has(now); seen.add(now)) now = after.get(now)!
    if (names.has(now)) former.set(before, now)
  }
  return former
}

/**
 * A file's columns that are new to the table under a name a column had before its rename (an
 * old header with no alias): each with the column that had the name. Such a column cannot join
 * the table, since the name mapping already gives that name to the renamed column.
 */
export function reusedFormerNames(table: CatalogColumn[], renames: Record<string, string>, columns: Pick<ColumnInfo, 'name'>[]): { column: string; now: string }[] {
  const former = formerNames(table, renames)
  return columns.flatMap((c) => (former.has(c.name) ? [{ column: c.name, now: former.get(c.name)! }] : []))
}

/**
 * The table's column types by name, with each former name typed as its column now: a part
 * written before a rename is rewritten to the new type under its old column name.
 */
export function typesWithFormerNames<T>(types: Map<string, T>, table: CatalogColumn[], renames: Record<string, string>): Map<string, T> {
  const all = new Map(types)
  for (const [before, now] of formerNames(table, renames)) if (types.has(now) && !all.has(before)) all.set(before, types.get(now)!)
  return all
}
