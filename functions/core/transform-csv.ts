import { athenaTypeName, parseAthenaType } from './athena-types'
import { planColumns, type ColumnPlan } from './column-plan'
import { DEFAULT_NULL_TOKENS } from './contract'
import { CsvFormatError, RejectThresholdError } from './errors'
import { ColumnTypeAccumulator, classifyValue } from './infer-column-type'
import { NullTokens } from './null-tokens'
import { DEFAULT_GZIP_LIMITS } from './csv/decode-input'
import { openCsv, type OpenedCsv } from './csv/open-csv'
import { ParquetPartWriter } from './parquet/parquet-part-writer'
import type { CsvEvent } from './csv/read-csv-records'
import { RejectsTable, recordText } from './rejects-table'
import { RowCoercer, WidenNeeded } from './row-coercer'
import { PartitionedRows, type RowTarget } from './partitioned-rows'
import { RowGroupBuffer } from './parquet/row-group-buffer'
import type { AthenaType, ByteSource, Codec, PartSink, TransformOptions, TransformStats } from './transform-types'

/** Defaults, documented in the README ("Parquet output"). */
export const TRANSFORM_DEFAULTS = {
  codec: 'snappy' as Codec,
  rejectThreshold: 0.05,
  rowGroupBytes: 8 * 1024 * 1024,
  partBytes: 128 * 1024 * 1024,
  sampleRows: 20_000,
}
/** The sample never holds more CSV text than this, whatever the row group size. */
const MAX_SAMPLE_CHARS = 8 * 1024 * 1024

interface Settings {
  sourceName: string
  codec: Codec
  rejectThreshold: number
  rowGroupBytes: number
  partBytes: number
  sampleRows: number
  nullTokens: NullTokens
  /** The curated table's column types, by name. */
  tableTypes: Map<string, AthenaType>
  options: TransformOptions
}

/**
 * Transforms one CSV byte stream into Parquet parts and a rejects table.
 *
 * Column types: declared by the contract, else inferred. Inference reads a sample (the
 * first row group) and then writes in the same pass; if a later value does not fit a
 * sampled type, the parts written so far are discarded, a full pass infers the final types
 * and a second pass writes. Every data row ends up in exactly one place: a data part or the
 * rejects table. Above the reject threshold, or on any error, everything written is
 * discarded and the error is thrown.
 */
export async function transformCsv(source: ByteSource, sink: PartSink, options: TransformOptions): Promise<TransformStats> {
  const started = performance.now()
  const settings = resolveSettings(options)
  let fixedTypes: AthenaType[] | undefined
  let restarts = 0
  try {
    if (options.inference === 'prepass') fixedTypes = await inferPass(source, settings, [])
    for (;;) {
      try {
        const stats = await writePass(source, sink, settings, fixedTypes)
        stats.inference.restarts = restarts
        if (restarts > 0) stats.warnings.push(`type inference restarted ${restarts} time(s): a value after the sample needed a wider type`)
        stats.seconds = (performance.now() - started) / 1000
        return stats
      } catch (e) {
        if (!(e instanceof WidenNeeded) || restarts > 0) throw e
        restarts += 1
        await sink.discard()
        fixedTypes = await inferPass(source, settings, e.types)
      }
    }
  } catch (e) {
    await sink.discard()
    throw e
  }
}

function resolveSettings(options: TransformOptions): Settings {
  return {
    sourceName: options.sourceName,
    codec: options.codec ?? TRANSFORM_DEFAULTS.codec,
    rejectThreshold: options.rejectThreshold ?? options.contract?.rejectThreshold ?? TRANSFORM_DEFAULTS.rejectThreshold,
    rowGroupBytes: options.rowGroupBytes ?? TRANSFORM_DEFAULTS.rowGroupBytes,
    partBytes: options.partBytes ?? TRANSFORM_DEFAULTS.partBytes,
    sampleRows: options.sampleRows ?? TRANSFORM_DEFAULTS.sampleRows,
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
  const opened = await openCsv(source.open(), settings.sourceName, {
    encoding: contract?.encoding,
    delimiter: contract?.delimiter,
    gzipLimits: { ...DEFAULT_GZIP_LIMITS, ...settings.options.gzipLimits },
  })
  const events = opened.events[Symbol.asyncIterator]()
  const first = await events.next()
  if (first.done) {
    await events.return?.(undefined)
    return undefined
  }
  const head = first.value[0]
  const hasHeader = contract?.header ?? true
  if (hasHeader && head.kind === 'broken') {
    await events.return?.(undefined)
    throw new CsvFormatError(`csv: cannot read the header at line ${head.line} of ${settings.sourceName}: ${head.message}`)
  }
  const header = hasHeader && head.kind === 'record' ? head.fields : undefined
  const width = header ? header.length : contract!.columns.length
  const plan = planColumns(header ? [...header] : undefined, width, contract, settings.sourceName, settings.options.reservedColumns)
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

/** Feeds one record's inferred cells to their accumulators. */
function observe(event: CsvEvent, pass: Pass, accumulators: (ColumnTypeAccumulator | undefined)[], nullTokens: NullTokens): void {
  if (event.kind !== 'record' || event.fields.length !== pass.plan.width) return
  if (pass.opened.input.invalidLines.size > 0 && RowCoercer.invalidLine(event, pass.opened.input.invalidLines) !== undefined) return
  pass.plan.columns.forEach((column, j) => {
    const acc = accumulators[j]
    if (!acc || column.field < 0) return
    const text = event.fields[column.field]
    if (!nullTokens.isNull(text, true)) acc.add(classifyValue(text.trim()))
  })
}

/** A full read that only infers the types of the undeclared columns. */
async function inferPass(source: ByteSource, settings: Settings, start: AthenaType[]): Promise<AthenaType[]> {
  const pass = await beginPass(source, settings)
  if (!pass) return start
  const accumulators = pass.plan.columns.map((c, j) => (c.declared ? undefined : new ColumnTypeAccumulator(start[j] ?? settings.tableTypes.get(c.name))))
  for (let batch = await nextBatch(pass); batch; batch = await nextBatch(pass)) {
    for (const event of batch) observe(event, pass, accumulators, settings.nullTokens)
  }
  return pass.plan.columns.map((c, j) => c.declared?.type ?? accumulators[j]!.type)
}

/**
 * Reads ahead and infers the undeclared columns' types from the first `sampleRows` records
 * (at most MAX_SAMPLE_CHARS of text). Everything read is replayed by the write loop.
 */
async function sampleTypes(pass: Pass, settings: Settings): Promise<AthenaType[]> {
  const accumulators = pass.plan.columns.map((c) => (c.declared ? undefined : new ColumnTypeAccumulator(settings.tableTypes.get(c.name))))
  if (accumulators.some(Boolean)) {
    const limit = Math.min(settings.rowGroupBytes, MAX_SAMPLE_CHARS)
    const readAhead: CsvEvent[] = []
    let sampled = 0
    let chars = 0
    for (let batch = await nextBatch(pass); batch; ) {
      readAhead.push(...batch)
      for (; sampled < readAhead.length && sampled < settings.sampleRows && chars < limit; sampled++) {
        observe(readAhead[sampled], pass, accumulators, settings.nullTokens)
        chars += readAhead[sampled].raw.length
      }
      if (sampled >= settings.sampleRows || chars >= limit) break
      batch = await nextBatch(pass)
    }
    pass.pending = readAhead
  }
  return pass.plan.columns.map((c, j) => c.declared?.type ?? accumulators[j]!.type)
}

async function writePass(source: ByteSource, sink: PartSink, settings: Settings, fixedTypes?: AthenaType[]): Promise<TransformStats> {
  const pass = await beginPass(source, settings)
  if (!pass) return emptyStats(settings)
  const { plan, opened } = pass
  try {
    const types = fixedTypes ?? (await sampleTypes(pass, settings))
    const coercer = new RowCoercer(plan, types, settings.nullTokens, opened.input.invalidLines)
    const all = plan.columns.map((c, j) => ({ name: outputName(c.name, types[j], settings), type: types[j], nullable: c.declared?.nullable ?? true }))
    const by = plan.columns.findIndex((c) => c.name === settings.options.contract?.partitionBy)
    const columns = all.filter((_, j) => j !== by)
    const data: RowTarget =
      by < 0
        ? new RowGroupBuffer(new ParquetPartWriter(sink, 'data', columns, settings.codec, settings.partBytes), columns.length, settings.rowGroupBytes)
        : new PartitionedRows(sink, columns, { index: by, name: plan.columns[by].name, type: types[by] }, settings.codec, settings.partBytes, settings.rowGroupBytes, settings.sourceName)
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
    const rowsOut = rowsIn - rejects.count
    if (rowsIn > 0 && rejects.count / rowsIn > settings.rejectThreshold) {
      throw new RejectThresholdError(
        `rejects: ${rejects.count} of ${rowsIn} rows of ${settings.sourceName} were rejected (${pct(rejects.count / rowsIn)}, threshold ${pct(settings.rejectThreshold)}); ` +
          `codes ${JSON.stringify(rejects.codes)}; first at line ${rejects.firstLine}`,
        rowsIn,
        rejects.count,
        settings.rejectThreshold,
      )
    }
    const parts = await data.finish()
    if (parts.length === 0) parts.push(...(await new ParquetPartWriter(sink, 'data', columns, settings.codec, settings.partBytes).writeEmptyPart()))
    const rejectParts = await rejects.finish()
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
      columns: plan.columns.flatMap((c, j) =>
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
      ),
      ...(by >= 0 ? { partitionBy: { name: plan.columns[by].name, type: athenaTypeName(types[by]) } } : {}),
      renamed,
      parts,
      rejectParts,
      rejectCodes: rejects.codes,
      inference: { sampleRows: fixedTypes ? 0 : settings.sampleRows, restarts: 0 },
      warnings,
      seconds: 0,
    }
  } finally {
    await pass.events.return?.(undefined)
  }
}

function emptyStats(settings: Settings): TransformStats {
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
function outputName(name: string, type: AthenaType, settings: Settings): string {
  const table = settings.tableTypes.get(name)
  if (!table || athenaTypeName(table) === athenaTypeName(type)) return name
  return `${name}__${athenaTypeName(type).replace(/[^a-z0-9]+/g, '_').replace(/_+$/, '')}`
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`
