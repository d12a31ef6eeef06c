import { athenaTypeName, type AthenaType } from '../schema/athena-types'
import type { ColumnPlan } from '../schema/column-plan'
import type { OpenedCsv } from '../csv/open-csv'
import { RejectThresholdError } from './reject-threshold-error'
import type { RejectsTable } from '../lake/rejects-table'
import type { PartInfo } from '../parquet/part-sink'
import type { ColumnInfo } from '../schema/column-info'
import type { VariantCount } from '../schema/file-typing'
import { variantName } from '../schema/value-routing'
import type { Settings } from './transform-settings'
import type { TransformStats } from './transform-types'

/**
 * Rejected rows a file may hold before the threshold applies: one bad row in a small file
 * (1 of 11 is 9 %) is not a broken file. A file none of whose rows loads fails all the same.
 */
export const MIN_REJECTS_FOR_THRESHOLD = 10

/**
 * Fails the file when the share of rejected rows is above the threshold and at least
 * MIN_REJECTS_FOR_THRESHOLD rows were rejected, or every row was. Its rejects are written
 * first and travel with the error, so that a failed file's bad lines stay queryable; a
 * column-count failure names the expected and found field counts.
 */
export async function checkRejectThreshold(settings: Settings, rowsIn: number, rejects: RejectsTable): Promise<void> {
  const enough = rejects.count >= MIN_REJECTS_FOR_THRESHOLD || rejects.count === rowsIn
  if (rowsIn > 0 && enough && rejects.count / rowsIn > settings.rejectThreshold) {
    const widths = rejects.fieldCounts()
    const fields = widths ? `; column_count: expected ${widths.expected} fields, found ${widths.found} on ${widths.rows} row(s)` : ''
    const message =
      `rejects: ${rejects.count} of ${rowsIn} rows of ${settings.sourceName} were rejected (${pct(rejects.count / rowsIn)}, threshold ${pct(settings.rejectThreshold)}); ` +
      `codes ${JSON.stringify(rejects.codes)}; first at line ${rejects.firstLine}${fields}`
    const rejectParts = await rejects.finish()
    throw new RejectThresholdError(message, rowsIn, rejects.count, settings.rejectThreshold, rejectParts, { ...rejects.codes })
  }
}

/** What a write pass hands over for its stats. */
export interface PassOutcome {
  settings: Settings
  opened: Pick<OpenedCsv, 'input' | 'dialect' | 'counters'> & Partial<Pick<OpenedCsv, 'header' | 'headerLine' | 'notes'>>
  plan: ColumnPlan
  types: AthenaType[]
  variants: boolean[]
  /** Per planned column, the values it sent to its variant. */
  variantCounts: (VariantCount | undefined)[]
  /** What the file's typing tells (FileTyping.warnings). */
  typingWarnings?: string[]
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
  const warnings = [...(opened.notes ?? []), ...plan.warnings, ...(o.typingWarnings ?? [])]
  const skipped = opened.counters.blankLines
  if (skipped > 0) {
    warnings.push(
      `rows: ${skipped} blank line(s) or row(s) of delimiters only (such as ";;;;") were skipped: they hold no value, ` +
        `and are not counted in the ${rowsIn} rows read`,
    )
  }
  const variants: ColumnInfo[] = []
  let variantValues = 0
  plan.columns.forEach((c, j) => {
    if (!o.variants[j]) return
    const count = o.variantCounts[j] ?? { values: 0, firstLine: 0 }
    variantValues += count.values
    variants.push({ original: c.original, name: variantName(c.name), type: 'string', nullable: true, source: 'inferred', variantOf: c.name, variantValues: count.values })
    const table = settings.tableTypes.get(c.name)
    warnings.push(variantWarning(c.name, athenaTypeName(table ?? types[j]), count, table !== undefined))
  })
  const invalid = opened.input.invalidSequences()
  if (invalid > 0) {
    const headerLine = opened.headerLine ?? 0
    const lines = [...opened.input.invalidLines]
    const dataLines = lines.filter((l) => l !== headerLine)
    const parts = [`encoding: ${invalid} invalid UTF-8 byte sequence(s) on ${lines.length} line(s), first at line ${lines.reduce((a, b) => Math.min(a, b))}`]
    if (dataLines.length < lines.length) parts.push(`the header (line ${headerLine}) holds some, read as U+FFFD (�) in its column names`)
    if (dataLines.length > 0) parts.push(`the ${dataLines.length} row(s) holding them were rejected`)
    warnings.push(`${parts.join('; ')}. If the file is not UTF-8, declare "encoding" in the contract`)
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
    dialect: { ...opened.dialect, header: opened.header ?? true },
    columns: plan.columns.flatMap<ColumnInfo>((c, j) =>
      j === by
        ? []
        : [{
            original: c.original,
            name: all[j].name,
            type: athenaTypeName(types[j]),
            nullable: all[j].nullable,
            source: c.declared ? ('contract' as const) : ('inferred' as const),
            ...(c.declared?.renamedFrom ? { renamedFrom: c.declared.renamedFrom } : {}),
          }],
    ).concat(variants, settings.constants.map((c) => ({ original: c.name, name: c.name, type: 'string', nullable: false, source: 'lineage' as const }))),
    ...(by >= 0 ? { partitionBy: { name: plan.columns[by].name, type: athenaTypeName(types[by]) } } : {}),
    renamed,
    parts,
    rejectParts,
    rejectCodes: rejects.codes,
    inference: { sampleRows: o.sampled ? settings.sampleRows : 0, restarts: 0 },
    warnings,
    ...(variantValues > 0 ? { variantValues } : {}),
    seconds: 0,
  }
}

/**
 * The warning a file's stats carry for a column that wrote values to its variant: it names the
 * column, the count and the first line (run-report.ts reads the count back).
 */
export function variantWarning(column: string, type: string, count: VariantCount, inTable: boolean): string {
  const why = inTable ? `fit neither its type ${type} nor a widening of it` : `are in double notation next to exact numbers a double cannot hold (${type})`
  return `variant: ${count.values} value(s) of column ${column} ${why}, first at line ${count.firstLine}; they were written as text to ${variantName(column)}, the other values stay in ${column}`
}


/** What is kept of a file that failed: no rows, and its rejects when it was over its reject threshold. */
export function failedStats(sourceName: string, error?: RejectThresholdError): TransformStats {
  const stats: TransformStats = { ...emptyStats({ sourceName }), outcome: 'failed' }
  if (!error) return stats
  return { ...stats, rowsIn: error.rowsIn, rowsRejected: error.rowsRejected, rejectParts: error.rejectParts, rejectCodes: error.rejectCodes, warnings: [`${error.name}: ${error.message}`] }
}

export function emptyStats(settings: Pick<Settings, 'sourceName'>): TransformStats {
  return {
    source: settings.sourceName, outcome: 'empty', rowsIn: 0, rowsOut: 0, rowsRejected: 0, blankLines: 0,
    bytesIn: 0, bytesOut: 0, rejectBytesOut: 0, compression: 'none', encoding: 'utf-8', bom: false,
    dialect: { delimiter: ',', quote: '"', escape: '"', lineBreak: 'none', trimSpaces: false, trailingDelimiter: false, skipLines: 0, header: true },
    columns: [], renamed: {}, parts: [], rejectParts: [], rejectCodes: {},
    inference: { sampleRows: 0, restarts: 0 }, warnings: [], seconds: 0,
  }
}

export const pct = (x: number) => `${(x * 100).toFixed(2)}%`
