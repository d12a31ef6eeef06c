import { decideHeader, declaredReading, planColumns, withRowLabels, type ColumnPlan } from '../schema/column-plan'
import { CsvFormatError } from '../errors'
import { RejectThresholdError } from './reject-threshold-error'
import { FileInference } from './file-inference'
import type { NullTokens } from '../schema/null-tokens'
import { openCsv, type OpenedCsv } from '../csv/open-csv'
import { ParquetPartWriter } from '../parquet/parquet-part-writer'
import type { CsvEvent } from '../csv/read-csv-records'
import { recordText } from '../csv/reject'
import { RejectsTable } from '../lake/rejects-table'
import { RowCoercer, WidenNeeded } from '../schema/row-coercer'
import { PartitionedRows } from '../parquet/partitioned-rows'
import { RowGroupBuffer, type RowTarget } from '../parquet/row-group-buffer'
import type { ByteSource } from '../csv/byte-stream'
import type { PartSink } from '../parquet/part-sink'
import type { TransformOptions, TransformStats } from './transform-types'
import { outputColumns, type FileTyping } from '../schema/file-typing'
import { checkRejectThreshold, emptyStats, transformStats } from './file-outcome'
import { MAX_SAMPLE_CHARS, resolveSettings, tableTypesOf, type Settings } from './transform-settings'

/**
 * The reference engine: csv-parse records, string coercion (RowCoercer) and hyparquet-writer.
 * It defines the semantics the byte engine (`transformCsv`) must match, is its test oracle,
 * and still converts what the byte engine hands over (files partitioned by a contract column).
 *
 * Transforms one CSV byte stream into Parquet parts and a rejects table.
 *
 * Column types: declared by the contract, else inferred. Inference reads a sample (the
 * first row group) and then writes in the same pass; if a later value does not fit a
 * sampled type, the parts written so far are discarded, a full pass infers the final types
 * and a second pass writes. Every data row ends up in exactly one place: a data part or the
 * rejects table. Above the reject threshold, or on any error, everything written is
 * discarded and the error is thrown.
 */
export async function transformCsvReference(source: ByteSource, sink: PartSink, options: TransformOptions): Promise<TransformStats> {
  return transformWithRestarts(source, sink, options, writePass)
}

/**
 * Runs a write pass, and once more with types from a full inference pass when a value after the
 * sample needed a wider type (WidenNeeded); on any error everything written is discarded. Both
 * engines share it, each with its own write pass.
 */
export async function transformWithRestarts(
  source: ByteSource,
  sink: PartSink,
  options: TransformOptions,
  write: (source: ByteSource, sink: PartSink, settings: Settings, fixedTypes?: FileTyping) => Promise<TransformStats>,
): Promise<TransformStats> {
  const started = performance.now()
  const settings = resolveSettings(options)
  let fixedTypes: FileTyping | undefined
  let restarts = 0
  try {
    if (options.inference === 'prepass') fixedTypes = await inferPass(source, settings)
    for (;;) {
      try {
        const stats = await write(source, sink, settings, fixedTypes)
        stats.inference.restarts = restarts
        if (restarts > 0) stats.warnings.push(`type inference restarted ${restarts} time(s): a value after the sample needed a wider type or a variant column`)
        stats.seconds = (performance.now() - started) / 1000
        return stats
      } catch (e) {
        if (!(e instanceof WidenNeeded) || restarts > 0) throw e
        restarts += 1
        await sink.discard()
        fixedTypes = await inferPass(source, settings)
      }
    }
  } catch (e) {
    // A file over its reject threshold keeps its rejects: they tell why it failed.
    await sink.discard(e instanceof RejectThresholdError && e.rejectParts.length > 0 ? 'data' : undefined)
    throw e
  }
}

interface Pass {
  opened: OpenedCsv
  events: AsyncIterator<CsvEvent[]>
  /** Records read ahead of the loop: after the header, or the sample. */
  pending: CsvEvent[]
  plan: ColumnPlan
}

/** Opens the source and reads the header. Undefined for an empty file. */
async function beginPass(source: ByteSource, settings: Settings): Promise<Pass | undefined> {
  const contract = settings.options.contract
  const opened = await openCsv(source.open(), settings.sourceName, declaredReading(settings))
  const events = opened.events[Symbol.asyncIterator]()
  const first = await events.next()
  if (first.done) {
    await events.return?.(undefined)
    return undefined
  }
  const head = first.value[0]
  const hasHeader = decideHeader(contract, opened, settings.sourceName)
  if (hasHeader && head.kind === 'broken') {
    await events.return?.(undefined)
    throw new CsvFormatError(`csv: cannot read the header at line ${head.line} of ${settings.sourceName}: ${head.message}`)
  }
  const header = hasHeader && head.kind === 'record' ? withRowLabels([...head.fields], opened, settings.sourceName) : undefined
  if (hasHeader) opened.headerLine = head.line
  const width = header ? header.length : contract?.columns?.length || (head.kind === 'record' ? head.fields.length : 1)
  const plan = planColumns(header, width, contract, settings.sourceName, settings.options.reservedColumns)
  if (opened.dialect.trailingDelimiter) plan.trailingDelimiter = opened.dialect
  return { opened, events, pending: hasHeader ? first.value.slice(1) : first.value, plan }
}

async function nextBatch(pass: Pass): Promise<CsvEvent[] | undefined> {
  if (pass.pending.length > 0) {
    const batch = pass.pending
    pass.pending = []
    return batch
  }
  const next = await pass.events.next()
  return next.done ? undefined : next.value
}

/** The record has the plan's width (a trailing empty field not counted): it is sampled. */
function hasPlanWidth(plan: ColumnPlan, fields: string[]): boolean {
  if (fields.length === plan.width) return true
  return plan.trailingDelimiter !== undefined && fields.length === plan.width + 1 && fields[plan.width] === ''
}

/** Feeds one record's inferred cells to their inferences. */
function observe(event: CsvEvent, pass: Pass, inference: FileInference, nullTokens: NullTokens): void {
  if (event.kind !== 'record' || !hasPlanWidth(pass.plan, event.fields)) return
  if (pass.opened.input.invalidLines.size > 0 && RowCoercer.invalidLine(event, pass.opened.input.invalidLines) !== undefined) return
  pass.plan.columns.forEach((column, j) => {
    if (column.field < 0 || !inference.wants(j)) return
    const text = event.fields[column.field]
    if (!nullTokens.isNull(text, true)) inference.add(j, text.trim())
  })
}

/**
 * A full read that only infers the undeclared columns, from the table's types: under its
 * typing every value of the file has a place (its column, or its column's variant).
 */
export async function inferPass(source: ByteSource, settings: Settings): Promise<FileTyping> {
  const pass = await beginPass(source, settings)
  if (!pass) return { types: [], variants: [] }
  try {
    const inference = new FileInference(pass.plan, settings, pass.opened.dialect.delimiter)
    for (let batch = await nextBatch(pass); batch; batch = await nextBatch(pass)) {
      for (const event of batch) observe(event, pass, inference, settings.nullTokens)
    }
    return inference.typing()
  } finally {
    await pass.events.return?.(undefined)
  }
}

/**
 * Reads ahead and infers the undeclared columns' types from the first `sampleRows` records
 * (at most MAX_SAMPLE_CHARS of text). Everything read is replayed by the write loop.
 */
async function sampleTypes(pass: Pass, settings: Settings): Promise<FileTyping> {
  const inference = new FileInference(pass.plan, settings, pass.opened.dialect.delimiter)
  if (inference.any) {
    const limit = Math.min(settings.rowGroupBytes, MAX_SAMPLE_CHARS)
    const readAhead: CsvEvent[] = []
    let sampled = 0
    let chars = 0
    for (let batch = await nextBatch(pass); batch; ) {
      readAhead.push(...batch)
      for (; sampled < readAhead.length && sampled < settings.sampleRows && chars < limit; sampled++) {
        observe(readAhead[sampled], pass, inference, settings.nullTokens)
        // UTF-8 bytes, as the byte engine counts (csv-parse's raw leaves out the LF of a CRLF).
        chars += Buffer.byteLength(readAhead[sampled].raw)
      }
      if (sampled >= settings.sampleRows || chars >= limit) break
      batch = await nextBatch(pass)
    }
    pass.pending = readAhead
  }
  return inference.typing()
}

async function writePass(source: ByteSource, sink: PartSink, settings: Settings, fixedTypes?: FileTyping): Promise<TransformStats> {
  const pass = await beginPass(source, settings)
  if (!pass) return emptyStats(settings)
  const { plan, opened } = pass
  try {
    const typing = fixedTypes ?? (await sampleTypes(pass, settings))
    const { types, variants } = typing
    const coercer = new RowCoercer(plan, typing, tableTypesOf(plan, settings), settings.nullTokens, opened.input.invalidLines)
    const all = outputColumns(plan, typing)
    const by = plan.columns.findIndex((c) => c.name === settings.options.contract?.partitionBy)
    const columns = all.filter((_, j) => j !== by)
    const data: RowTarget =
      by < 0
        ? new RowGroupBuffer(new ParquetPartWriter(sink, 'data', columns, settings.codec, settings.partBytes, undefined, settings.constants), columns.length, settings.rowGroupBytes)
        : new PartitionedRows(sink, columns, { index: by, name: plan.columns[by].name, type: types[by] }, settings.codec, settings.partBytes, settings.rowGroupBytes, settings.sourceName, settings.constants)
    const rejects = new RejectsTable(sink, settings.codec, settings.partBytes, settings.sourceName)
    let rowsIn = 0
    for (let batch = await nextBatch(pass); batch; batch = await nextBatch(pass)) {
      for (const event of batch) {
        rowsIn += 1
        const reject =
          event.kind === 'broken'
            ? { line: event.line, record: recordText(event.raw), code: event.code, message: event.message, column: null }
            : coercer.coerce(event)
        if (reject) await rejects.add(reject)
        else if (data.add(coercer.values(), event.raw.length)) await data.flush()
      }
    }
    await checkRejectThreshold(settings, rowsIn, rejects)
    const parts = await data.finish()
    if (parts.length === 0) parts.push(...(await new ParquetPartWriter(sink, 'data', columns, settings.codec, settings.partBytes, undefined, settings.constants).writeEmptyPart()))
    const rejectParts = await rejects.finish()
    return transformStats({ settings, opened, plan, types, variants, variantCounts: coercer.variantCounts, typingWarnings: typing.warnings, all, by, rowsIn, rejects, parts, rejectParts, sampled: !fixedTypes })
  } finally {
    await pass.events.return?.(undefined)
  }
}

