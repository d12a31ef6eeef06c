import { lineageColumns, type Lineage } from '../parquet/lineage'
import { convertRange, jobColumns, type RangeJob, type RangeResult } from './convert-range'
import type { Dialect } from '../csv/dialect'
import { TransientStorageError } from '../errors'
import { ColumnarPartWriter } from '../parquet/columnar-part-writer'
import type { FileRange } from '../lake/plan-files'
import { readRangeStart, transformCsv } from './transform-csv'
import { jobReading, RANGE_PART_STRIDE } from './transform-ranges'
import { engineRowGroupBytes, resolveSettings, tableTypesByName, type Settings } from './transform-settings'
import type { AthenaType } from '../schema/athena-types'
import type { Codec } from '../parquet/parquet-schema'
import type { ByteSource } from '../csv/byte-stream'
import type { PartInfo, PartSink } from '../parquet/part-sink'
import type { TransformOptions, TransformStats } from './transform-types'

/** What every range of a split file learns from the file's head; the same in each range. */
export interface FileHead {
  sourceName: string
  dialect: Dialect
  input: { compression: 'none'; encoding: string; bom: boolean }
  header: boolean
  /** Warnings about how the file was read (encoding, preamble, header), for the combined stats. */
  notes?: string[]
  headerLine?: number
  /** The column plan as plain data (contract formats as their patterns). */
  plan: { width: number; warnings: string[]; columns: RangeJob['columns'] }
  types: AthenaType[]
  /** Which planned columns write a `__string` variant (absent in heads staged before variants). */
  variants?: boolean[]
  /** The undeclared columns' number format and slash-date orders (absent: plain, none). */
  numbers?: RangeJob['numbers']
  orders?: RangeJob['orders']
  /** What the typing tells the receipt (an inferred number format). */
  typingWarnings?: string[]
  all: { name: string; type: AthenaType; nullable: boolean }[]
  dataStart: number
  linesBefore: number
  blankLinesBefore: number
  sampled: boolean
  codec: Codec
  partBytes: number
  rejectThreshold: number
  sampleRows: number
  rowGroupBytes: number
  nullTokens: string[]
  tableColumns: { name: string; type: string }[]
  dataset?: string
  /** What every data row is stamped with, unless lineage is off for the file. */
  lineage?: Lineage
}

/** What a range conversion reads: the file's size and its bytes by range. */
export type RangedSource = ByteSource & { size: number; openRange(start: number, end: number): AsyncIterable<Uint8Array> }

/**
 * One conversion of range `index` from byte `from` to `to`. A range normally has one; a range
 * whose start proved wrong (the previous range ended inside a quoted field) has a second,
 * from the true boundary, made by the Transform that found out. Load keeps the one whose
 * `from` is where the previous kept range really ended.
 */
export interface RangeVariant {
  index: number
  count: number
  from: number
  to: number
  head: FileHead
  /** Lines relative to `from` (its first line is 1). */
  result?: RangeResult
  /** A failure of this conversion; it fails the file only if this variant is the one kept. */
  error?: { name: string; message: string }
  parts: PartInfo[]
}

/** A file that cannot be split (gzip, not UTF-8, empty, partitioned): range 0 converted all of it. */
export interface WholeFile {
  index: 0
  count: number
  whole: TransformStats
}

export type StagedRange = RangeVariant | WholeFile

/**
 * Converts range `range.index` of a file split by Plan: reads the file's head (header and
 * sample, the same for every range, so every range infers the same types), finds the range's
 * bounds at the first line break past each `index/count` of the body, and converts it into
 * parts numbered from `index × RANGE_PART_STRIDE`. When the range ends inside a record, the
 * next range's start was wrong: that one is converted again here, once, from the true
 * boundary. Once only: a range that itself started at a wrong place may end "inside a record"
 * at every cut, and must not chain through the rest of the file; a redo that again ends inside
 * a record is left to Load (`convertRangeFrom`).
 *
 * A file that cannot be read by ranges is converted whole by range 0; the others do nothing.
 */
export async function transformFileRange(
  source: RangedSource,
  sinkFor: (index: number, from: number) => PartSink,
  options: TransformOptions,
  range: FileRange,
): Promise<StagedRange[]> {
  const settings = resolveSettings(options)
  const start = await readRangeStart(source, settings)
  if (!start) {
    if (range.index !== 0) return []
    return [{ index: 0, count: range.count, whole: await transformCsv(source, sinkFor(0, 0), { ...options, workers: 1 }) }]
  }
  const head = fileHead(settings, start)
  const from = await rangeBound(source, head, range.index, range.count)
  const own = await convertRangeFrom(source, sinkFor(range.index, from), head, range, from)
  const leftover = own.result?.leftover ?? 0
  if (leftover === 0 || range.index + 1 >= range.count) return [own]
  const next = { index: range.index + 1, count: range.count }
  const redo = await convertRangeFrom(source, sinkFor(next.index, own.to - leftover), head, next, own.to - leftover)
  return [own, redo]
}

/**
 * Converts range `range.index` from byte `from` (a record boundary, as far as the caller
 * knows) to the range's nominal end. Load calls it for a range whose true start no Transform
 * converted from.
 */
export async function convertRangeFrom(source: RangedSource, sink: PartSink, head: FileHead, range: FileRange, from: number): Promise<RangeVariant> {
  const to = await rangeBound(source, head, range.index + 1, range.count)
  return convertVariant(source, sink, head, { index: range.index, count: range.count, from, to })
}

/**
 * Nominal start of range k: the data start, just past the first line break at or after k/count
 * of the body, or the end of the file for k = count.
 */
async function rangeBound(source: RangedSource, head: FileHead, k: number, count: number): Promise<number> {
  if (k >= count) return source.size
  if (k === 0) return head.dataStart
  const eol = head.dialect.lineBreak === 'CR' ? 13 : 10
  const approx = head.dataStart + Math.floor((k * (source.size - head.dataStart)) / count)
  let at = approx
  for await (const chunk of source.openRange(approx, source.size)) {
    const i = chunk.indexOf(eol)
    if (i >= 0) return at + i + 1
    at += chunk.length
  }
  return source.size
}

async function convertVariant(
  source: RangedSource,
  sink: PartSink,
  head: FileHead,
  bounds: Pick<RangeVariant, 'index' | 'count' | 'from' | 'to'>,
): Promise<RangeVariant> {
  const tableTypes = tableTypesByName(head.tableColumns)
  const job: RangeJob = {
    sourceName: head.sourceName,
    dialect: head.dialect,
    columns: head.plan.columns,
    width: head.plan.width,
    types: head.types,
    variants: head.variants,
    numbers: head.numbers,
    orders: head.orders,
    tables: head.plan.columns.map((c) => (c.declared ? null : (tableTypes.get(c.name) ?? null))),
    output: head.all,
    nullTokens: head.nullTokens,
    codec: head.codec,
    rowGroupBytes: head.rowGroupBytes,
    last: bounds.index === bounds.count - 1,
  }
  const writer = new ColumnarPartWriter(sink, head.all, head.codec, head.partBytes, bounds.index * RANGE_PART_STRIDE, lineageColumns(head.lineage))
  try {
    const bytes = bounds.to > bounds.from ? source.openRange(bounds.from, bounds.to) : noBytes()
    const result = await convertRange(job, bytes, (g) => writer.writeEncoded(g))
    const parts = await writer.finish()
    return { ...bounds, head, result, parts }
  } catch (e) {
    // Worth a retry of the Lambda; anything else is this conversion's outcome, which matters
    // only if Load keeps this variant (a range started at a wrong place may fail on garbage).
    if (e instanceof TransientStorageError) throw e
    await sink.discard()
    const error = e as Error
    return { ...bounds, head, error: { name: error.name || 'Error', message: error.message }, parts: [] }
  }
}

function fileHead(settings: Settings, start: NonNullable<Awaited<ReturnType<typeof readRangeStart>>>): FileHead {
  return {
    sourceName: settings.sourceName,
    dialect: start.opened.dialect,
    input: { compression: 'none', encoding: start.opened.input.encoding, bom: start.opened.input.bom },
    header: start.opened.header,
    headerLine: start.opened.headerLine,
    notes: start.opened.notes,
    plan: { width: start.plan.width, warnings: start.plan.warnings, columns: jobColumns(start.plan) },
    types: start.types,
    variants: start.variants,
    ...jobReading(start.typing),
    ...(start.typing.warnings ? { typingWarnings: start.typing.warnings } : {}),
    all: start.all,
    dataStart: start.dataStart,
    linesBefore: start.linesBefore,
    blankLinesBefore: start.blankLinesBefore,
    sampled: start.sampled,
    codec: settings.codec,
    partBytes: settings.partBytes,
    rejectThreshold: settings.rejectThreshold,
    sampleRows: settings.sampleRows,
    rowGroupBytes: engineRowGroupBytes(settings, 1),
    nullTokens: settings.nullTokenList,
    tableColumns: settings.tableColumns,
    dataset: settings.dataset,
    ...(settings.lineage ? { lineage: settings.lineage } : {}),
  }
}

async function* noBytes(): AsyncGenerator<Uint8Array> {}
