/** A column of a transformed file, as its stats and receipt describe it. */
export interface ColumnInfo {
  /** Header text as it appeared in the file (after decoding), or `col_<n>` without a header. */
  original: string
  /** Athena-safe name. */
  name: string
  /** Athena DDL type, e.g. `decimal(12,2)`. */
  type: string
  nullable: boolean
  /** Where the type came from. */
  source: 'contract' | 'inferred' | 'lineage'
  /** The table column this one was called before, from the contract's `renamedFrom`. */
  renamedFrom?: string
  /** Set on a variant column (`<name>__string`): the column whose type its values could not take. */
  variantOf?: string
  /** On a variant column: the values it holds. */
  variantValues?: number
}
