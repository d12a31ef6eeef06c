import type { ParquetColumn } from './parquet-schema'

/**
 * Lineage: every curated row carries the raw key it came from and the run that loaded it, as
 * two constant columns per part (one dictionary entry each, so they cost next to nothing).
 * Their names start with `_`, which a normalized column name never does, so they cannot clash
 * with data.
 */
export const LINEAGE_SOURCE = '_sluice_source'
export const LINEAGE_RUN = '_sluice_run_id'

/** What a file's rows are stamped with. */
export interface Lineage {
  source: string
  runId: string
}

/** A column whose value is the same in every row of a part. */
export interface ConstantColumn {
  name: string
  value: string
}

/** The constant columns of a file's parts: none when lineage is off. */
export function lineageColumns(lineage: Lineage | undefined): ConstantColumn[] {
  return lineage ? [{ name: LINEAGE_SOURCE, value: lineage.source }, { name: LINEAGE_RUN, value: lineage.runId }] : []
}

/** Constant columns as Parquet columns (required strings). */
export const constantSchema = (constants: ConstantColumn[]): ParquetColumn[] => constants.map((c) => ({ name: c.name, type: { kind: 'string' }, nullable: false }))
