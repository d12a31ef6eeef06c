import { decideHeader, declaredReading, planColumns, withRowLabels, type ColumnPlan } from '../schema/column-plan'
import { CsvFormatError } from '../errors'
import { RejectThresholdError } from './reject-threshold-error'
import { FileInference } from './file-inference'
import type { NullTokens } from '../schema/null-tokens'
import { openCsv, type OpenedCsv } from '../csv/open-csv'
import type { CsvEvent } from '../csv/read-csv-records'
import { RowCoercer, WidenNeeded } from '../schema/row-coercer'
import type { ByteSource } from '../csv/byte-stream'
import type { PartSink } from '../parquet/part-sink'
import type { FileTyping } from '../schema/file-typing'
import type { TransformOptions, TransformStats } from './transform-types'
import { resolveSettings, type Settings } from './transform-settings'

/**
 * Runs a write pass, and once more with types from a full inference pass when a value after the
 * sample needed a wider type (WidenNeeded); on any error everything written is discarded. The
 * byte engine and the reference engine (its test oracle) share it, each with its own write pass.
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
    if (settings.inference === 'prepass') fixedTypes = await inferPass(source, settings)
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

/** A read of a file as csv-parse records, after its header. */
export interface TextPass {
  opened: OpenedCsv
  events: AsyncIterator<CsvEvent[]>
  /** Records read ahead of the loop: after the header, or the sample. */
  pending: CsvEvent[]
  plan: ColumnPlan
}

/** Opens the source and reads the header. Undefined for an empty file. */
export async function beginTextPass(source: ByteSource, settings: Settings): Promise<TextPass | undefined> {
  const contract = settings.contract
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
  const plan = planColumns(header, width, contract, settings.sourceName, settings.reservedColumns)
  if (opened.dialect.trailingDelimiter) plan.trailingDelimiter = opened.dialect
  return { opened, events, pending: hasHeader ? first.value.slice(1) : first.value, plan }
}

/** The next records of a text pass: those read ahead first. */
export async function nextTextBatch(pass: TextPass): Promise<CsvEvent[] | undefined> {
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
export function observeRecord(event: CsvEvent, pass: TextPass, inference: FileInference, nullTokens: NullTokens): void {
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
  const pass = await beginTextPass(source, settings)
  if (!pass) return { types: [], variants: [] }
  try {
    const inference = new FileInference(pass.plan, settings, pass.opened.dialect.delimiter)
    for (let batch = await nextTextBatch(pass); batch; batch = await nextTextBatch(pass)) {
      for (const event of batch) observeRecord(event, pass, inference, settings.nullTokens)
    }
    return inference.typing()
  } finally {
    await pass.events.return?.(undefined)
  }
}
