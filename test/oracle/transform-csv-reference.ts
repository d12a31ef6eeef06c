import { FileInference } from '../../functions/core/transform/file-inference'
import { ParquetPartWriter } from '../../functions/core/parquet/parquet-part-writer'
import type { CsvEvent } from '../../functions/core/csv/read-csv-records'
import { recordText } from '../../functions/core/csv/reject'
import { RejectsTable } from '../../functions/core/lake/rejects-table'
import { RowCoercer } from '../../functions/core/schema/row-coercer'
import { PartitionedRows } from './partitioned-rows'
import { RowGroupBuffer, type RowTarget } from './row-group-buffer'
import type { ByteSource } from '../../functions/core/csv/byte-stream'
import type { PartSink } from '../../functions/core/parquet/part-sink'
import type { TransformOptions, TransformStats } from '../../functions/core/transform/transform-types'
import { outputColumns, type FileTyping } from '../../functions/core/schema/file-typing'
import { checkRejectThreshold, emptyStats, transformStats } from '../../functions/core/transform/file-outcome'
import { MAX_SAMPLE_CHARS, tableTypesOf, type Settings } from '../../functions/core/transform/transform-settings'
import { beginTextPass, nextTextBatch, observeRecord, transformWithRestarts, type TextPass } from '../../functions/core/transform/transform-restarts'

/**
 * The reference engine: csv-parse records, string coercion (RowCoercer) and hyparquet-writer.
 * It defines the semantics the byte engine (`transformCsv`) must match: it is the test oracle
 * and the other side of the differential fuzz, and no production path calls it.
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
 * Reads ahead and infers the undeclared columns' types from the first `sampleRows` records
 * (at most MAX_SAMPLE_CHARS of text). Everything read is replayed by the write loop.
 */
async function sampleTypes(pass: TextPass, settings: Settings): Promise<FileTyping> {
  const inference = new FileInference(pass.plan, settings, pass.opened.dialect.delimiter)
  if (inference.any) {
    const limit = Math.min(settings.rowGroupBytes, MAX_SAMPLE_CHARS)
    const readAhead: CsvEvent[] = []
    let sampled = 0
    let chars = 0
    for (let batch = await nextTextBatch(pass); batch; ) {
      readAhead.push(...batch)
      for (; sampled < readAhead.length && sampled < settings.sampleRows && chars < limit; sampled++) {
        observeRecord(readAhead[sampled], pass, inference, settings.nullTokens)
        // UTF-8 bytes, as the byte engine counts (csv-parse's raw leaves out the LF of a CRLF).
        chars += Buffer.byteLength(readAhead[sampled].raw)
      }
      if (sampled >= settings.sampleRows || chars >= limit) break
      batch = await nextTextBatch(pass)
    }
    pass.pending = readAhead
  }
  return inference.typing()
}

async function writePass(source: ByteSource, sink: PartSink, settings: Settings, fixedTypes?: FileTyping): Promise<TransformStats> {
  const pass = await beginTextPass(source, settings)
  if (!pass) return emptyStats(settings)
  const { plan, opened } = pass
  try {
    const typing = fixedTypes ?? (await sampleTypes(pass, settings))
    const { types, variants } = typing
    const coercer = new RowCoercer(plan, typing, tableTypesOf(plan, settings), settings.nullTokens, opened.input.invalidLines)
    const all = outputColumns(plan, typing)
    const by = plan.columns.findIndex((c) => c.name === settings.partitionBy)
    const columns = all.filter((_, j) => j !== by)
    const data: RowTarget =
      by < 0
        ? new RowGroupBuffer(new ParquetPartWriter(sink, 'data', columns, settings.codec, settings.partBytes, undefined, settings.constants), columns.length, settings.rowGroupBytes)
        : new PartitionedRows(sink, columns, { index: by, name: plan.columns[by].name, type: types[by] }, settings.codec, settings.partBytes, settings.rowGroupBytes, settings.sourceName, settings.constants)
    const rejects = new RejectsTable(sink, settings.codec, settings.partBytes, settings.sourceName)
    let rowsIn = 0
    for (let batch = await nextTextBatch(pass); batch; batch = await nextTextBatch(pass)) {
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

