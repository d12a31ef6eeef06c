import { decideHeader, declaredReading, planColumns, withRowLabels, type ColumnPlan } from '../schema/column-plan'
import { openCsvBytes, type OpenedCsvBytes } from '../csv/open-csv'
import type { Dialect } from '../csv/dialect'
import { scanRecords, type RecordBatch } from '../csv/scan-records'
import { CsvFormatError } from '../errors'
import { ColumnarPartWriter } from '../parquet/columnar-part-writer'
import { RecordCoercer } from '../parquet/record-coercer'
import { classifyBytes } from '../schema/classify-bytes'
import type { ValueClass } from '../schema/infer-column-type'
import type { NullTokens } from '../schema/null-tokens'
import { RowGroupFiller } from './row-group-filler'
import { PartitionFiller } from './partition-filler'
import { PartitionBuilders } from '../parquet/partition-builders'
import { FileInference } from './file-inference'
import { recordText, type Reject } from '../csv/reject'
import { RejectsTable } from '../lake/rejects-table'
import { lineBreaks } from '../csv/read-csv-records'
import { transformWithRestarts } from './transform-restarts'
import { transformRanges, workerCount, type RangeStart } from './transform-ranges'
import { outputColumns, type FileTyping } from '../schema/file-typing'
import { checkRejectThreshold, emptyStats, transformStats } from './file-outcome'
import { engineRowGroupBytes, MAX_SAMPLE_CHARS, tableTypesOf, type Settings } from './transform-settings'
import type { ByteSource } from '../csv/byte-stream'
import type { PartSink } from '../parquet/part-sink'
import type { TransformOptions, TransformStats } from './transform-types'

export { TRANSFORM_DEFAULTS } from './transform-settings'

/** A row group also closes at this many cells, so narrow files cannot pile up rows. */
const MAX_GROUP_CELLS = 4_000_000

/**
 * Transforms one CSV byte stream into Parquet parts and a rejects table: the byte engine.
 *
 * Records are split on bytes (scanRecords), coerced from bytes into typed-array column
 * builders (RecordCoercer) and encoded column by column (ColumnarPartWriter), one row group
 * at a time. Its results equal the reference engine's (`transformCsvReference`, on csv-parse
 * and strings): same rows, same rejects with the same lines and codes, same types.
 *
 * Column types: declared by the contract, else inferred from a sample (the first
 * `sampleRows` records); if a later value does not fit a sampled type under the inference
 * rules (it needs a wider type, or a `__string` variant the sample did not show), the parts
 * written so far are discarded, a full pass infers the final types and a second pass writes. Above the reject threshold, or on any error, everything written is
 * discarded and the error is thrown. A file partitioned by a contract column routes each row
 * to its partition's builders (PartitionBuilders), in this thread.
 */
export async function transformCsv(source: ByteSource, sink: PartSink, options: TransformOptions): Promise<TransformStats> {
  return transformWithRestarts(source, sink, options, writePass)
}

interface Pass {
  opened: OpenedCsvBytes
  batches: AsyncIterator<RecordBatch>
  /** Batches read ahead of the loop (the sample); the first from `firstRecord` on. */
  pending: RecordBatch[]
  firstRecord: number
  plan: ColumnPlan
  /** Batches done with, for the scanner to reuse. */
  pool: RecordBatch[]
}

/** Opens the source and reads the header. Undefined for an empty file. */
async function beginPass(source: ByteSource, settings: Settings): Promise<Pass | undefined> {
  const contract = settings.contract
  const opened = await openCsvBytes(source.open(), settings.sourceName, declaredReading(settings))
  const pool: RecordBatch[] = []
  const firstLine = opened.dialect.skipLines + 1
  const batches = scanRecords(opened.bytes, opened.dialect, settings.sourceName, opened.counters, firstLine, undefined, pool)[Symbol.asyncIterator]()
  const first = await batches.next()
  if (first.done) {
    await batches.return?.(undefined)
    return undefined
  }
  const batch = first.value
  const hasHeader = decideHeader(contract, opened, settings.sourceName)
  const event = batch.fallback.get(0)
  if (hasHeader && event?.kind === 'broken') {
    await batches.return?.(undefined)
    throw new CsvFormatError(`csv: cannot read the header at line ${event.line} of ${settings.sourceName}: ${event.message}`)
  }
  let header: string[] | undefined
  if (hasHeader) opened.headerLine = batch.line[0]
  if (hasHeader) header = withRowLabels(event?.kind === 'record' ? [...event.fields] : Array.from({ length: batch.fieldCount[0] }, (_, k) => batch.text(batch.firstField[0] + k)), opened, settings.sourceName)
  const width = header ? header.length : contract?.columns?.length || headerlessWidth(opened.dialect, batch)
  const plan = planColumns(header, width, contract, settings.sourceName, settings.reservedColumns)
  if (opened.dialect.trailingDelimiter) plan.trailingDelimiter = opened.dialect
  return { opened, batches, pending: [batch], firstRecord: hasHeader ? 1 : 0, plan, pool }
}

/** Infers the undeclared columns' types from the first `sampleRows` records, reading ahead. */
async function sampleTypes(pass: Pass, settings: Settings): Promise<FileTyping> {
  const inference = new FileInference(pass.plan, settings, pass.opened.dialect.delimiter)
  const onBytes = !inference.textOnly
  if (inference.any) {
    const limit = Math.min(settings.rowGroupBytes, MAX_SAMPLE_CHARS)
    let sampled = 0
    let bytes = 0
    const invalid = pass.opened.input.invalidLines
    for (let b = 0; sampled < settings.sampleRows && bytes < limit; b++) {
      if (b === pass.pending.length) {
        const next = await pass.batches.next()
        if (next.done) break
        pass.pending.push(next.value)
      }
      const batch = pass.pending[b]
      for (let r = b === 0 ? pass.firstRecord : 0; r < batch.count && sampled < settings.sampleRows && bytes < limit; r++) {
        sampled += 1
        // As the reference counts: the record's UTF-8 bytes without the LF of a final CRLF.
        const end = batch.end[r]
        bytes += end - batch.start[r] - (end >= 2 && batch.buf[end - 1] === 10 && batch.buf[end - 2] === 13 ? 1 : 0)
        const event = batch.fallback.get(r)
        if (event?.kind === 'broken' || !hasPlanWidth(pass.plan, batch, r)) continue
        if (invalid.size > 0 && hasInvalidLine(batch, r, invalid)) continue
        const columns = pass.plan.columns
        for (let j = 0; j < columns.length; j++) {
          const field = columns[j].field
          // A column already string reads no more text.
          if (field < 0 || !inference.wants(j)) continue
          if (!event && onBytes) {
            const f = batch.firstField[r] + field
            const sampled = batch.fieldQuote[f] === 2 ? undefined : sampleCell(batch.buf, batch.fieldStart[f], batch.fieldEnd[f], settings.nullTokens)
            if (sampled === NULL_CELL) continue
            if (sampled) {
              inference.addClass(j, sampled)
              continue
            }
          }
          const text = event?.kind === 'record' ? event.fields[field] : batch.text(batch.firstField[r] + field)
          if (!settings.nullTokens.isNull(text, true)) inference.add(j, text.trim())
        }
      }
    }
  }
  return inference.typing()
}

const NULL_CELL = 'null'

/**
 * A sampled cell read on its bytes: NULL_CELL when it is null, its class when classifyBytes
 * knows its shape, undefined when its text must decide (non-ASCII bytes, a shape it does not
 * know, whitespace around a possible null token).
 */
function sampleCell(buf: Buffer, s: number, e: number, nullTokens: NullTokens): ValueClass | typeof NULL_CELL | undefined {
  for (let k = s; k < e; k++) if (buf[k] >= 0x80) return undefined
  const length = e - s
  let a = s
  let b = e
  while (a < b && isAsciiSpace(buf[a])) a += 1
  while (b > a && isAsciiSpace(buf[b - 1])) b -= 1
  if (a === b) return NULL_CELL
  if (length <= nullTokens.longest) {
    if (nullTokens.isNull(buf.toString('latin1', s, e), true)) return NULL_CELL
  } else if (b - a <= nullTokens.longest && (a > s || b < e)) return undefined
  return classifyBytes(buf, a, b)
}

/** The whitespace String.prototype.trim removes, in ASCII. */
const isAsciiSpace = (c: number) => c === 32 || (c >= 9 && c <= 13)

/** The record has the plan's width (a trailing empty field not counted): it is sampled. */
function hasPlanWidth(plan: ColumnPlan, batch: RecordBatch, r: number): boolean {
  const width = batch.fieldCount[r]
  if (width === plan.width) return true
  if (!plan.trailingDelimiter || width !== plan.width + 1) return false
  const event = batch.fallback.get(r)
  if (event?.kind === 'record') return event.fields[width - 1] === ''
  const f = batch.firstField[r] + width - 1
  return batch.fieldStart[f] === batch.fieldEnd[f]
}

function hasInvalidLine(batch: RecordBatch, r: number, invalid: Set<number>): boolean {
  const first = batch.line[r]
  const last = first + lineBreaks(recordText(batch.raw(r)))
  for (let line = first; line <= last; line++) if (invalid.has(line)) return true
  return false
}

async function writePass(source: ByteSource, sink: PartSink, settings: Settings, fixedTypes?: FileTyping): Promise<TransformStats> {
  const pass = await beginPass(source, settings)
  if (!pass) return emptyStats(settings)
  const { plan, opened } = pass
  const by = plan.columns.findIndex((c) => c.name === settings.partitionBy)
  // Ranges write parts of their own, numbered per range: a partition's parts are numbered per file.
  const workers = by < 0 ? workerCount(settings, source, opened) : 1
  const runner = settings.rangeRunner
  if (workers > 1) runner?.prepare?.(workers - 1)
  try {
    const typing = fixedTypes ?? (await sampleTypes(pass, settings))
    const { types, variants } = typing
    if (workers > 1) {
      await pass.batches.return?.(undefined)
      const start = rangeStart(pass, typing, !fixedTypes)
      // The ranges read the body again: the sample's batches are let go rather than held
      // (megabytes of CSV and field offsets) for as long as the ranges convert.
      pass.pending.length = 0
      pass.pool.length = 0
      return await transformRanges(source, sink, settings, start, workers)
    }
    const coercer = new RecordCoercer(plan, typing, tableTypesOf(plan, settings), settings.nullTokens, settings.nullTokenList, opened.input.invalidLines)
    const all = outputColumns(plan, typing)
    const columns = all.filter((_, j) => j !== by)
    const writer = new ColumnarPartWriter(sink, all, settings.codec, settings.partBytes, 0, settings.constants)
    const rejects = new RejectsTable(sink, settings.codec, settings.partBytes, settings.sourceName)
    const maxRows = Math.max(1, Math.floor(MAX_GROUP_CELLS / Math.max(all.length, 1)))
    const groupLimit = engineRowGroupBytes(settings, 1)
    const flush = async () => {
      await writer.writeRowGroup(coercer.builders, coercer.rows)
      coercer.reset()
    }
    // Partitioned: the memory of one row group is shared by every partition's builders.
    const partitions =
      by < 0
        ? undefined
        : new PartitionBuilders(sink, columns, { index: by, name: plan.columns[by].name, type: types[by] }, settings.codec, settings.partBytes, { groupBytes: groupLimit, heldBytes: groupLimit, maxRows }, settings.sourceName, settings.constants)
    const onReject = (reject: Reject) => rejects.add(reject)
    const groups = partitions ? new PartitionFiller(coercer, partitions, onReject) : new RowGroupFiller(coercer, { groupBytes: groupLimit, maxRows }, flush, onReject)
    let rowsIn = 0
    for (let first = pass.firstRecord; ; first = 0) {
      const batch = pass.pending.shift() ?? (await nextBatch(pass))
      if (!batch) break
      rowsIn += await groups.add(batch, first)
      pass.pool.push(batch)
    }
    await checkRejectThreshold(settings, rowsIn, rejects)
    if (coercer.rows > 0) await writer.writeRowGroup(coercer.builders, coercer.rows)
    const parts = partitions ? await partitions.finish() : await writer.finish()
    if (parts.length === 0) parts.push(...(await new ColumnarPartWriter(sink, columns, settings.codec, settings.partBytes, 0, settings.constants).writeEmptyPart()))
    const rejectParts = await rejects.finish()
    return transformStats({ settings, opened, plan, types, variants, variantCounts: coercer.variantCounts, typingWarnings: typing.warnings, all, by, rowsIn, rejects, parts, rejectParts, sampled: !fixedTypes })
  } finally {
    runner?.release?.()
    await pass.batches.return?.(undefined)
  }
}

/**
 * Reads the head of a file whose body is converted as byte ranges elsewhere (one Lambda per
 * range): the header, the sample's types and where the body starts. Every range reads the
 * same head, so every range gets the same types. Undefined for an empty file, or one that
 * cannot be read by ranges (compressed, not UTF-8, partitioned by a contract column).
 */
export async function readRangeStart(source: ByteSource, settings: Settings): Promise<RangeStart | undefined> {
  if (settings.partitionBy) return undefined
  const pass = await beginPass(source, settings)
  if (!pass) return undefined
  try {
    if (pass.opened.input.compression !== 'none' || pass.opened.input.encoding !== 'utf-8' || pass.opened.dialect.lineBreak === 'CR') return undefined
    return rangeStart(pass, await sampleTypes(pass, settings), true)
  } finally {
    await pass.batches.return?.(undefined)
  }
}

/** Where the body starts, for byte ranges: after the BOM and the header record. */
function rangeStart(pass: Pass, typing: FileTyping, sampled: boolean): RangeStart {
  const first = pass.pending[0]
  const bom = pass.opened.input.bom ? 3 : 0
  const { types, variants } = typing
  const rest = { numbers: typing.numbers, orders: typing.orders, warnings: typing.warnings }
  const all = outputColumns(pass.plan, typing)
  const skipped = pass.opened.skippedBytes
  const skipLines = pass.opened.dialect.skipLines
  if (pass.firstRecord === 0) return { opened: pass.opened, plan: pass.plan, types, variants, typing: rest, all, dataStart: bom + skipped, linesBefore: skipLines, blankLinesBefore: 0, sampled }
  const blank = first.line[0] - 1 - skipLines
  return {
    opened: pass.opened,
    plan: pass.plan,
    types,
    variants,
    typing: rest,
    all,
    dataStart: bom + skipped + first.end[0],
    linesBefore: first.line[0] - 1 + lineBreaks(first.buf.toString('latin1', first.start[0], first.end[0])),
    blankLinesBefore: blank,
    sampled,
  }
}

/** The width of a headerless file: its first record's. */
function headerlessWidth(dialect: Dialect, batch: RecordBatch): number {
  const event = batch.fallback.get(0)
  return event?.kind === 'record' ? event.fields.length : event ? 1 : batch.fieldCount[0]
}

async function nextBatch(pass: Pass): Promise<RecordBatch | undefined> {
  const next = await pass.batches.next()
  return next.done ? undefined : next.value
}
