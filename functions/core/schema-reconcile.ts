import type { CatalogColumn } from './catalog'
import type { ColumnInfo } from './transform-types'

export interface FileSchema {
  key: string
  columns: ColumnInfo[]
}

export interface Reconciled {
  /** The table's columns after this batch: existing ones first, in their order, then new ones. */
  columns: CatalogColumn[]
  /** Keys of files whose columns all agree with the table. */
  accepted: string[]
  /** Files with a column the table (or an earlier file of the batch) has with another type. */
  clashes: { key: string; column: string; tableType: string; fileType: string }[]
}

/**
 * Merges the files of a batch into the table schema, in key order. A new column is appended
 * (older files read it as null); a column a file lacks reads as null. A type never changes:
 * the transform writes values that do not fit the table's type to a variant column
 * `<name>__<type>`, so a clash only happens between files of the same batch that were
 * transformed before the table knew the column. Such a file is left for the next batch,
 * where it is transformed knowing the table.
 */
export function reconcileColumns(table: CatalogColumn[] | undefined, files: FileSchema[]): Reconciled {
  const columns = [...(table ?? [])]
  const types = new Map(columns.map((c) => [c.Name, c.Type]))
  const accepted: string[] = []
  const clashes: Reconciled['clashes'] = []
  for (const file of [...files].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const clash = file.columns.find((c) => types.has(c.name) && types.get(c.name) !== c.type)
    if (clash) {
      clashes.push({ key: file.key, column: clash.name, tableType: types.get(clash.name)!, fileType: clash.type })
      continue
    }
    for (const c of file.columns) {
      if (types.has(c.name)) continue
      types.set(c.name, c.type)
      columns.push(c.variantOf ? { Name: c.name, Type: c.type, Comment: `values of ${c.variantOf} that are not ${types.get(c.variantOf) ?? 'its table type'}` } : { Name: c.name, Type: c.type })
    }
    accepted.push(file.key)
  }
  return { columns, accepted, clashes }
}
