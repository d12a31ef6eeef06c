import { lineageColumns, type ConstantColumn, type Lineage } from '../parquet/lineage'
import { parseAthenaType, type AthenaType } from '../schema/athena-types'
import type { ColumnPlan } from '../schema/column-plan'
import { DEFAULT_NULL_TOKENS, type Contract } from '../schema/contract'
import { DEFAULT_MEMORY_BUDGET_MB, rowGroupBytesFor } from '../parquet/row-group-budget'
import { NullTokens } from '../schema/null-tokens'
import type { Codec } from '../parquet/parquet-schema'
import type { GzipLimits } from '../csv/decode-input'
import type { RangeRunner, TransformOptions } from './transform-types'
import { datasetOfKey } from '../lake/lake-layout'

/** Defaults, documented in docs/parquet.md. */
export const TRANSFORM_DEFAULTS = {
  codec: 'snappy' as Codec,
  rejectThreshold: 0.05,
  rowGroupBytes: 8 * 1024 * 1024,
  partBytes: 128 * 1024 * 1024,
  sampleRows: 20_000,
}
/** The sample never holds more CSV text than this, whatever the row group size. */
export const MAX_SAMPLE_CHARS = 8 * 1024 * 1024

/**
 * A file's transform settings, resolved once from its TransformOptions at the start of the
 * file: every default applied and every derived value built, so that the conductors hand this
 * one object down and no layer goes back to the options.
 */
export interface Settings {
  sourceName: string
  contract?: Contract
  codec: Codec
  rejectThreshold: number
  /** Row-group size of the reference engine, and the cap on the sample's text. */
  rowGroupBytes: number
  /** The byte engine's row-group size when the options fix it; else engineRowGroupBytes derives it. */
  fixedRowGroupBytes?: number
  memoryBudgetMb: number
  partBytes: number
  sampleRows: number
  nullTokens: NullTokens
  /** The null tokens as the contract lists them (or the defaults): plain data for a range job. */
  nullTokenList: string[]
  /** The curated table's column types, by name, and the columns as the options gave them (for a file head). */
  tableTypes: Map<string, AthenaType>
  tableColumns: { name: string; type: string }[]
  /** The dataset the file belongs to, for messages. */
  dataset: string
  /** What every data row is stamped with, and the columns that carry it; none when lineage is off. */
  lineage?: Lineage
  constants: ConstantColumn[]
  gzipLimits?: Partial<GzipLimits>
  /** Threads for the file when the options fix them; else workerCount picks from its size. */
  workers?: number
  rangeRunner?: RangeRunner
  /** Column names the file's own columns may not take (the lineage columns, the partition keys). */
  reservedColumns?: string[]
  /** The contract's partition column, whose values route rows to partitions; none when unpartitioned. */
  partitionBy?: string
  /** `prepass`: the types come from a full pass over the file before anything is written. */
  inference?: TransformOptions['inference']
}

export function resolveSettings(options: TransformOptions): Settings {
  const contract = options.contract
  const lineage = contract?.lineage === false ? undefined : options.lineage
  const nullTokenList = [...(contract?.nullTokens ?? DEFAULT_NULL_TOKENS)]
  return {
    sourceName: options.sourceName,
    ...(contract ? { contract } : {}),
    codec: options.codec ?? TRANSFORM_DEFAULTS.codec,
    rejectThreshold: options.rejectThreshold ?? contract?.rejectThreshold ?? TRANSFORM_DEFAULTS.rejectThreshold,
    rowGroupBytes: options.rowGroupBytes ?? TRANSFORM_DEFAULTS.rowGroupBytes,
    ...(options.rowGroupBytes !== undefined ? { fixedRowGroupBytes: options.rowGroupBytes } : {}),
    memoryBudgetMb: options.memoryBudgetMb ?? DEFAULT_MEMORY_BUDGET_MB,
    partBytes: options.partBytes ?? TRANSFORM_DEFAULTS.partBytes,
    sampleRows: options.sampleRows ?? TRANSFORM_DEFAULTS.sampleRows,
    ...(lineage ? { lineage } : {}),
    constants: lineageColumns(lineage),
    nullTokens: new NullTokens(nullTokenList),
    nullTokenList,
    tableColumns: options.tableColumns ?? [],
    tableTypes: tableTypesByName(options.tableColumns ?? []),
    dataset: options.dataset ?? datasetOfKey(options.sourceName) ?? options.sourceName,
    ...(options.gzipLimits ? { gzipLimits: options.gzipLimits } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.rangeRunner ? { rangeRunner: options.rangeRunner } : {}),
    ...(options.reservedColumns ? { reservedColumns: options.reservedColumns } : {}),
    ...(contract?.partitionBy ? { partitionBy: contract.partitionBy } : {}),
    ...(options.inference ? { inference: options.inference } : {}),
  }
}

/** The table's column types by name; a type sluice does not write is left out. */
export function tableTypesByName(columns: { name: string; type: string }[]): Map<string, AthenaType> {
  return new Map(
    columns.flatMap((c) => {
      const type = parseAthenaType(c.type)
      return type ? [[c.name, type] as const] : []
    }),
  )
}

/** The byte engine's row-group size with `workers` threads: the option, else from the memory budget. */
export function engineRowGroupBytes(settings: Settings, workers: number): number {
  return settings.fixedRowGroupBytes ?? rowGroupBytesFor(settings.memoryBudgetMb, workers)
}

/** Each planned column's type in the table, for the undeclared ones (a declared one follows its contract). */
export const tableTypesOf = (plan: ColumnPlan, settings: Settings): (AthenaType | undefined)[] =>
  plan.columns.map((c) => (c.declared ? undefined : settings.tableTypes.get(c.name)))
