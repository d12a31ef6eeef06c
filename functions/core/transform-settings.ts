import { lineageColumns, type ConstantColumn } from './lineage'
import { athenaTypeName, parseAthenaType } from './athena-types'
import type { ColumnPlan } from './column-plan'
import { DEFAULT_NULL_TOKENS } from './contract'
import type { OpenedCsv } from './csv/open-csv'
import { RejectThresholdError } from './errors'
import { DEFAULT_MEMORY_BUDGET_MB, rowGroupBytesFor } from './parquet/row-group-budget'
import { NullTokens } from './null-tokens'
import type { RejectsTable } from './rejects-table'
import type { AthenaType, Codec, ColumnInfo, PartInfo, TransformOptions, TransformStats } from './transform-types'

/** Defaults, documented in the README ("Parquet output"). */
export const TRANSFORM_DEFAULTS = {
  codec: 'snappy' as Codec,
  rejectThreshold: 0.05,
  rowGroupBytes: 8 * 1024 * 1024,
  partBytes: 128 * 1024 * 1024,
  sampleRows: 20_000,
}
/** The sample never holds more CSV text than this, whatever the row group size. */
export const MAX_SAMPLE_CHARS = 8 * 1024 * 1024

export interface Settings {
  sourceName: string
  codec: Codec
  rejectThreshold: number
  /** Row-group size of the reference engine, and the cap on the sample's text. */
  rowGroupBytes: number
  memoryBudgetMb: number
  partBytes: number
  sampleRows: number
  nullTokens: NullTokens
  /** The curated table's column types, by name. */
  tableTypes: Map<string, AthenaType>
  /** Columns of one value in every data row: the file's lineage, unless it is off. */
  constants: ConstantColumn[]
  options: TransformOptions
}

export function resolveSettings(options: TransformOptions): Settings {
  return {
    sourceName: options.sourceName,
    codec: options.codec ?? TRANSFORM_DEFAULTS.codec,
    rejectThreshold: options.rejectThreshold ?? options.contract?.rejectThreshold ?? TRANSFORM_DEFAULTS.rejectThreshold,
    rowGroupBytes: options.rowGroupBytes ?? TRANSFORM_DEFAULTS.rowGroupBytes,
    memoryBudgetMb: options.memoryBudgetMb ?? DEFAULT_MEMORY_BUDGET_MB,
    partBytes: options.partBytes ?? TRANSFORM_DEFAULTS.partBytes,
    sampleRows: options.sampleRows ?? TRANSFORM_DEFAULTS.sampleRows,
    constants: lineageColumns(options.contract?.lineage === false ? undefined : options.lineage),
    nullTokens: new NullTokens(options.contract?.nullTokens ?? DEFAULT_NULL_TOKENS),
    tableTypes: new Map(
      (options.tableColumns ?? []).flatMap((c) => {
        const type = parseAthenaType(c.type)
        return type ? [[c.name, type] as const] : []
      }),
    ),
    options,
  }
}

/** The byte engine's row-group size with `workers` threads: the option, else from the memory budget. */
export function engineRowGroupBytes(settings: Settings, workers: number): number {
  return settings.options.rowGroupBytes ?? rowGroupBytesFor(settings.memoryBudgetMb, workers)
}

/** Fails the file when the share of rejected rows is above the threshold. */
export function checkRejectThreshold(settings: Settings, rowsIn: number, rejects: RejectsTable): void {
  if (rowsIn > 0 && rejects.count / rowsIn > settings.rejectThreshold) {
    throw new RejectThresholdError(
      `rejects: ${rejects.count} of ${rowsIn} rows of ${settings.sourceName} were rejected (${pct(rejects.count / rowsIn)}, threshold ${pct(settings.rejectThreshold)}); ` +
        `codes ${JSON.stringify(rejects.codes)}; first at line ${rejects.firstLine}`,
      rowsIn,
      rejects.count,
      settings.rejectThreshold,
    )
  }
}

/** What a write pass hands over for its stats. */
export interface PassOutcome {
  settings: Settings
  opened: Pick<OpenedCsv, 'input' | 'dialect' | 'counters'>
  plan: ColumnPlan
  types: AthenaType[]
  /** The Parquet columns with their output names, before the partition column is left out. */
  all: { name: string; type: AthenaType; nullable: boolean }[]
  /** Index of the partition column, or -1. */
  by: number
  rowsIn: number
  rejects: RejectsTable
  parts: PartInfo[]
  rejectParts: PartInfo[]
  sampled: boolean
}

/** The stats of a transformed file. */
export function transformStats(o: PassOutcome): TransformStats {
  const { settings, opened, plan, types, all, by, rowsIn, rejects, parts, rejectParts } = o
  const rowsOut = rowsIn - rejects.count
  const warnings = [...plan.warnings]
  plan.columns.forEach((c, j) => {
    if (all[j].name === c.name) return
    const table = athenaTypeName(settings.tableTypes.get(c.name)!)
    warnings.push(`schema: column ${c.name} is ${table} in the table but ${athenaTypeName(types[j])} here; written as ${all[j].name}`)
  })
  const invalid = opened.input.invalidSequences()
  if (invalid > 0) {
    warnings.push(
      `encoding: ${invalid} invalid UTF-8 byte sequence(s) on ${opened.input.invalidLines.size} line(s), first at line ${Math.min(...opened.input.invalidLines)}; ` +
        'their rows were rejected. If the file is not UTF-8, declare "encoding" in the contract',
    )
  }
  const renamed = Object.fromEntries(plan.columns.filter((c) => c.field >= 0 && c.original !== c.name).map((c) => [c.original, c.name]))
  return {
    source: settings.sourceName,
    outcome: 'transformed',
    rowsIn,
    rowsOut,
    rowsRejected: rejects.count,
    blankLines: opened.counters.blankLines,
    bytesIn: opened.input.bytesIn(),
    bytesOut: parts.reduce((n, p) => n + p.bytes, 0),
    rejectBytesOut: rejectParts.reduce((n, p) => n + p.bytes, 0),
    compression: opened.input.compression,
    encoding: opened.input.encoding,
    bom: opened.input.bom,
    dialect: { ...opened.dialect, header: settings.options.contract?.header ?? true },
    columns: plan.columns.flatMap<ColumnInfo>((c, j) =>
      j === by
        ? []
        : [{
            original: c.original,
            name: all[j].name,
            type: athenaTypeName(types[j]),
            nullable: all[j].nullable,
            source: c.declared ? ('contract' as const) : ('inferred' as const),
            ...(all[j].name !== c.name ? { variantOf: c.name } : {}),
          }],
    ).concat(settings.constants.map((c) => ({ original: c.name, name: c.name, type: 'string', nullable: false, source: 'lineage' as const }))),
    ...(by >= 0 ? { partitionBy: { name: plan.columns[by].name, type: athenaTypeName(types[by]) } } : {}),
    renamed,
    parts,
    rejectParts,
    rejectCodes: rejects.codes,
    inference: { sampleRows: o.sampled ? settings.sampleRows : 0, restarts: 0 },
    warnings,
    seconds: 0,
  }
}

export function emptyStats(settings: Settings): TransformStats {
  return {
    source: settings.sourceName, outcome: 'empty', rowsIn: 0, rowsOut: 0, rowsRejected: 0, blankLines: 0,
    bytesIn: 0, bytesOut: 0, rejectBytesOut: 0, compression: 'none', encoding: 'utf-8', bom: false,
    dialect: { delimiter: ',', quote: '"', lineBreak: 'none', header: true },
    columns: [], renamed: {}, parts: [], rejectParts: [], rejectCodes: {},
    inference: { sampleRows: 0, restarts: 0 }, warnings: [], seconds: 0,
  }
}

/**
 * The Parquet name of a column: its own, unless the table has it with another type; then
 * the variant `<name>__<type>` (e.g. `amount__decimal_12_2`, `zip__string`).
 */
export function outputName(name: string, type: AthenaType, settings: Settings): string {
  const table = settings.tableTypes.get(name)
  if (!table || athenaTypeName(table) === athenaTypeName(type)) return name
  return `${name}__${athenaTypeName(type).replace(/[^a-z0-9]+/g, '_').replace(/_+$/, '')}`
}

export const pct = (x: number) => `${(x * 100).toFixed(2)}%`
