import { athenaTypeName, parseAthenaType } from './athena-types'
import type { CatalogColumn } from './catalog-column'
import { widenType } from './type-widening'
import type { ColumnInfo } from './column-info'

export interface FileSchema {
  key: string
  columns: ColumnInfo[]
}

/** A column of the table whose type this batch widens. */
export interface Widening {
  column: string
  from: string
  to: string
}

export interface Reconciled {
  /** The table's columns after this batch: existing ones first, in their order, then new ones. */
  columns: CatalogColumn[]
  /** Keys of files whose columns all fit the table, as it is after this batch. */
  accepted: string[]
  /** Files with a column whose type conflicts with the table's (or an earlier file's of the batch). */
  clashes: { key: string; column: string; tableType: string; fileType: string }[]
  /** Columns the table had before this batch whose type the batch widens (type-widening.ts). */
  widened: Widening[]
}

/**
 * Merges the files of a batch into the table schema, in key order. A new column is appended
 * (older files read it as null); a column a file lacks reads as null. A file whose column has
 * another type than the table's widens the table's column to `widenType(table, file)` (the
 * load then rewrites what was written with the narrower type, see widen-table.ts); several
 * files of a batch join the same way. Only a conflict (no type holds both, e.g. text and a
 * number) is a clash: such a file is left for the next batch, where it is transformed knowing
 * the table.
 */
export function reconcileColumns(table: CatalogColumn[] | undefined, files: FileSchema[]): Reconciled {
  const columns = [...(table ?? [])]
  const types = new Map(columns.map((c) => [c.Name, c.Type]))
  const accepted: string[] = []
  const clashes: Reconciled['clashes'] = []
  for (const file of [...files].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const clash = file.columns.find((c) => types.has(c.name) && joined(types.get(c.name)!, c.type) === undefined)
    if (clash) {
      clashes.push({ key: file.key, column: clash.name, tableType: types.get(clash.name)!, fileType: clash.type })
      continue
    }
    for (const c of file.columns) {
      const known = types.get(c.name)
      if (known !== undefined) {
        const type = joined(known, c.type)!
        if (type === known) continue
        types.set(c.name, type)
        const at = columns.findIndex((x) => x.Name === c.name)
        columns[at] = { ...columns[at], Type: type }
        continue
      }
      types.set(c.name, c.type)
      columns.push(c.variantOf ? { Name: c.name, Type: c.type, Comment: `values of ${c.variantOf} that are not ${types.get(c.variantOf) ?? 'its table type'}` } : { Name: c.name, Type: c.type })
    }
    accepted.push(file.key)
  }
  const widened = (table ?? []).filter((c) => types.get(c.Name) !== c.Type).map((c) => ({ column: c.Name, from: c.Type, to: types.get(c.Name)! }))
  return { columns, accepted, clashes, widened }
}

/** The type that holds values of both type names, by its name; undefined on a conflict. */
function joined(a: string, b: string): string | undefined {
  if (a === b) return a
  const ta = parseAthenaType(a)
  const tb = parseAthenaType(b)
  const w = ta && tb && widenType(ta, tb)
  return w && athenaTypeName(w)
}
