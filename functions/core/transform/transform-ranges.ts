import type { ColumnPlan } from '../schema/column-plan'
import { convertRange, jobColumns, type RangeJob, type RangeResult } from './convert-range'
import type { OpenedCsvBytes } from '../csv/open-csv'
import { ColumnarPartWriter } from '../parquet/columnar-part-writer'
import { RejectsTable } from '../lake/rejects-table'
import { WidenNeeded } from '../schema/row-coercer'
import type { FileTyping, VariantCount } from '../schema/file-typing'
import { checkRejectThreshold, transformStats } from './file-outcome'
import { engineRowGroupBytes, tableTypesOf, type Settings } from './transform-settings'
import type { AthenaType } from '../schema/athena-types'
import type { ByteSource } from '../csv/byte-stream'
import type { PartInfo, PartSink } from '../parquet/part-sink'
import type { RangeRunner, TransformStats } from './transform-types'

/**
 * Bytes per converting thread: below about this many a thread gains nothing. Measured on the
 * orders bench file (2 cores): two threads against one took as long at 52 MB and 15 % less
 * time at 104 MB, and more at 26 MB (docs/transform.md, "Byte ranges and worker threads").
 */
export const BYTES_PER_WORKER = 50 * 1000 * 1000
/** Parts of range k are numbered from k × this, so ranges never share a part. */
export const RANGE_PART_STRIDE = 1000
/** How far past an approximate cut a line break is looked for. */
const CUT_SEARCH_BYTES = 1024 * 1024

/** What the single-thread pass learned before handing the body over to ranges. */
export interface RangeStart {
  opened: OpenedCsvBytes
  plan: ColumnPlan
  types: AthenaType[]
  /** Which planned columns write a `__string` variant. */
  variants: boolean[]
  /** The rest of the file's typing: number format, slash-date orders, warnings. */
  typing: Pick<FileTyping, 'numbers' | 'orders' | 'warnings'>
  all: { name: string; type: AthenaType; nullable: boolean }[]
  /** Byte offset in the source where the first data record starts (after BOM and header). */
  dataStart: number
  /** Lines before that offset (header, and blank lines before it). */
  linesBefore: number
  blankLinesBefore: number
  sampled: boolean
}

/**
 * Worker count for a file: `options.workers` when given, else min(runner threads, size ÷
 * 50 MB); 1 (this thread, no ranges) for gzip, other encodings, or a source that cannot be
 * read by range.
 */
export function workerCount(settings: Settings, source: ByteSource, opened: OpenedCsvBytes): number {
  if (!source.size || !source.openRange || opened.input.compression !== 'none' || opened.input.encoding !== 'utf-8') return 1
  // Ranges start after an LF; a file of CR line breaks is read in one.
  if (opened.dialect.lineBreak === 'CR') return 1
  const wanted = settings.workers ?? Math.min(settings.rangeRunner?.maxWorkers ?? 1, Math.floor(source.size / BYTES_PER_WORKER))
  return Math.max(1, Math.floor(wanted))
}

/**
 * Converts the body of an uncompressed file as byte ranges, cut at line breaks, each in a
 * worker into parts of its own. A range that ends inside a record (its cut fell inside a
 * quoted field) proves the next range started at a wrong place: that one is converted again
 * from the true boundary and its part rewritten, so a wrong row is never kept. Lines are
 * made absolute by prefix sum of each range's line breaks.
 */
export async function transformRanges(source: ByteSource, sink: PartSink, settings: Settings, start: RangeStart, workers: number): Promise<TransformStats> {
  const size = source.size!
  const cuts = await findCuts(source, start, workers)
  const here: RangeRunner = { maxWorkers: 1, run: convertRange }
  const runner: RangeRunner = settings.rangeRunner ?? here
  const job = (last: boolean): RangeJob => ({
    sourceName: settings.sourceName,
    dialect: start.opened.dialect,
    columns: jobColumns(start.plan),
    width: start.plan.width,
    types: start.types,
    variants: start.variants,
    ...jobReading(start.typing),
    tables: tableTypesOf(start.plan, settings).map((t) => t ?? null),
    output: start.all,
    nullTokens: settings.nullTokenList,
    codec: settings.codec,
    rowGroupBytes: engineRowGroupBytes(settings, workers),
    last,
  })
  const ranges = cuts.map((from, k) => ({ from, to: k + 1 < cuts.length ? cuts[k + 1] : size }))
  const convert = async (k: number, from: number, use: RangeRunner) => {
    // One part per range: a range converted again rewrites exactly that part.
    const writer = new ColumnarPartWriter(sink, start.all, settings.codec, Number.POSITIVE_INFINITY, k * RANGE_PART_STRIDE, settings.constants)
    const result = await use.run(job(k === ranges.length - 1), source.openRange!(from, ranges[k].to), (g) => writer.writeEncoded(g))
    const parts = await writer.finish()
    return { result, parts }
  }
  // The first range is converted in this thread, which would otherwise only wait: one thread
  // fewer to start, and its compiled code is warm from the sample.
  const done = await Promise.all(ranges.map((r, k) => convert(k, r.from, k === 0 ? here : runner)))
  // A range that ended inside a record: the next one started inside it. Redo from the truth.
  for (let k = 0; k + 1 < done.length; k++) {
    const leftover = done[k].result.leftover
    if (leftover > 0) done[k + 1] = await convert(k + 1, ranges[k + 1].from - leftover, runner)
  }
  const widen = done.find((d) => d.result.widen)?.result.widen
  if (widen) throw new WidenNeeded(widen)

  const folded = await foldRanges(done, sink, settings, start.all, start.linesBefore, start.blankLinesBefore)
  const { rowsIn, rejects, parts, rejectParts, blankLines, invalidLines, invalidSequences, variantCounts } = folded
  const opened = {
    dialect: start.opened.dialect,
    header: start.opened.header,
    headerLine: start.opened.headerLine,
    notes: start.opened.notes,
    counters: { blankLines },
    input: { ...start.opened.input, invalidLines, invalidSequences: () => invalidSequences, bytesIn: () => size },
  }
  const typing = { types: start.types, variants: start.variants, variantCounts, typingWarnings: start.typing.warnings }
  return transformStats({ settings, opened, plan: start.plan, ...typing, all: start.all, by: -1, rowsIn, rejects, parts, rejectParts, sampled: start.sampled })
}

/** A typing's number format and slash-date orders as plain data for a RangeJob. */
export function jobReading(typing: Pick<FileTyping, 'numbers' | 'orders'>): Pick<RangeJob, 'numbers' | 'orders'> {
  return { ...(typing.numbers ? { numbers: typing.numbers } : {}), ...(typing.orders ? { orders: typing.orders.map((o) => o ?? null) } : {}) }
}

/** What the ranges of a file add up to, in order. */
export interface FoldedRanges {
  rowsIn: number
  blankLines: number
  invalidLines: Set<number>
  invalidSequences: number
  rejects: RejectsTable
  parts: PartInfo[]
  rejectParts: PartInfo[]
  /** Per planned column, the values sent to its variant, with the first line absolute. */
  variantCounts: (VariantCount | undefined)[]
}

/**
 * Adds up a file's converted ranges, in order: rows, blank lines, invalid lines and rejects with
 * their lines made absolute by prefix sum of the ranges' line breaks, and every range's parts
 * (an empty part when none holds a row). The reject threshold applies to the whole file.
 */
export async function foldRanges(
  ranges: { result: RangeResult; parts: PartInfo[] }[],
  sink: PartSink,
  settings: Settings,
  all: RangeStart['all'],
  linesBefore: number,
  blankLinesBefore: number,
): Promise<FoldedRanges> {
  const rejects = new RejectsTable(sink, settings.codec, settings.partBytes, settings.sourceName)
  const invalidLines = new Set<number>()
  let invalidSequences = 0
  let rowsIn = 0
  let blankLines = blankLinesBefore
  let offset = linesBefore
  const parts: PartInfo[] = []
  const variantCounts: (VariantCount | undefined)[] = []
  for (const { result, parts: rangeParts } of ranges) {
    ;(result.variantCounts ?? []).forEach((c, j) => {
      if (!c) return
      const sum = variantCounts[j]
      if (sum) sum.values += c.values
      else variantCounts[j] = { values: c.values, firstLine: c.firstLine + offset }
    })
    rowsIn += result.rowsIn
    blankLines += result.blankLines
    for (const reject of result.rejects) await rejects.add(shiftLines(reject, offset))
    for (const line of result.invalidLines) invalidLines.add(line + offset)
    invalidSequences += result.invalidSequences
    parts.push(...rangeParts)
    offset += result.lineBreaks
  }
  await checkRejectThreshold(settings, rowsIn, rejects)
  if (parts.length === 0) parts.push(...(await new ColumnarPartWriter(sink, all, settings.codec, settings.partBytes, 0, settings.constants).writeEmptyPart()))
  const rejectParts = await rejects.finish()
  return { rowsIn, blankLines, invalidLines, invalidSequences, rejects, parts, rejectParts, variantCounts }
}

/** A reject of a range with its line, and every line its message names, made absolute. */
export function shiftLines<T extends { line: number; message: string }>(reject: T, offset: number): T {
  return { ...reject, line: reject.line + offset, message: reject.message.replace(/\bline (\d+)/g, (_, n: string) => `line ${Number(n) + offset}`) }
}

/**
 * Bytes the calling thread's range holds beyond an equal share: a worker starts later and colder
 * (its compiled code is not warm from the sample), and its bytes and row groups pass through
 * messages, which costs it a roughly fixed time, not a share of the file. Measured on the orders
 * bench file with two threads: equal halves of 104 MB left the calling thread waiting for the
 * worker for a sixth of the conversion; with 6 MB more, the two finished within 0.2 s of each
 * other on files of 104 MB and 527 MB.
 */
const CALLING_THREAD_HEAD_START = 6 * 1000 * 1000

/**
 * Range starts: the data start, then one just after the first line break past each range's
 * share of the body, the first range (the calling thread's) holding CALLING_THREAD_HEAD_START
 * bytes more (at most half a share more, for small files). A cut inside a quoted field is
 * caught later, by the leftover.
 */
async function findCuts(source: ByteSource, start: RangeStart, workers: number): Promise<number[]> {
  const size = source.size!
  const eol = start.opened.dialect.lineBreak === 'CR' ? 13 : 10
  const cuts = [start.dataStart]
  const body = size - start.dataStart
  const headStart = Math.min(CALLING_THREAD_HEAD_START, Math.floor(body / (2 * workers)))
  const share = (body - headStart) / workers
  for (let k = 1; k < workers; k++) {
    const approx = start.dataStart + headStart + Math.floor(k * share)
    if (approx <= cuts[cuts.length - 1]) continue
    let at = approx
    let found = -1
    for await (const chunk of source.openRange!(approx, Math.min(size, approx + CUT_SEARCH_BYTES))) {
      const i = chunk.indexOf(eol)
      if (i >= 0) {
        found = at + i + 1
        break
      }
      at += chunk.length
    }
    if (found > cuts[cuts.length - 1] && found < size) cuts.push(found)
  }
  return cuts
}

