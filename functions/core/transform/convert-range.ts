import { athenaTypeName, type AthenaType } from '../schema/athena-types'
import type { ColumnPlan, PlannedColumn } from '../schema/column-plan'
import { validateUtf8 } from '../csv/decode-input'
import { scanRecords, type RecordBatch } from '../csv/scan-records'
import type { Dialect } from '../csv/dialect'
import { NullTokens } from '../schema/null-tokens'
import { encodeRowGroup, type EncodedRowGroup } from '../parquet/columnar-part-writer'
import { schemaElement, type Codec } from '../parquet/parquet-schema'
import { RecordCoercer } from '../parquet/record-coercer'
import { RowGroupFiller } from './row-group-filler'
import type { Reject } from '../csv/reject'
import { WidenNeeded } from '../schema/row-coercer'
import { compileTemporalFormats } from '../schema/temporal-format'
import type { NumberFormat } from '../schema/number-format'
import type { OrderEvidence } from '../schema/slash-dates'
import type { VariantCount } from '../schema/file-typing'

/**
 * One byte range of an uncompressed UTF-8 CSV, to convert on its own (in a worker thread, or
 * by a later Lambda): everything here is plain data, so it crosses `postMessage`.
 * The range starts at a record boundary as far as the caller knows; the result says whether
 * it also ended on one (`leftover` 0), which proves the next range's start.
 */
export interface RangeJob {
  sourceName: string
  dialect: Dialect
  /** The column plan, with contract formats as their patterns. */
  columns: (Omit<PlannedColumn, 'declared'> & { declared?: { name: string; type: AthenaType; nullable: boolean; format?: string | string[]; numbers?: NumberFormat } })[]
  width: number
  types: AthenaType[]
  /** Which planned columns write a `__string` variant (absent: none). */
  variants?: boolean[]
  /** The number format of the undeclared columns (absent: plain). */
  numbers?: NumberFormat
  /** The order of each undeclared column's slash dates (absent: none). */
  orders?: (OrderEvidence | null)[]
  /** Each planned column's type in the table, for the undeclared ones (absent: none). */
  tables?: (AthenaType | null)[]
  /** Output names and nullability of the Parquet columns. */
  output: { name: string; type: AthenaType; nullable: boolean }[]
  nullTokens: string[]
  codec: Codec
  rowGroupBytes: number
  /** True for the range that ends at the end of the file. */
  last: boolean
}

/** What converting a range found. Lines are relative: the range's first line is 1. */
export interface RangeResult {
  rowsIn: number
  blankLines: number
  rejects: Reject[]
  /** Line breaks read, so the next range's first line follows by prefix sum. */
  lineBreaks: number
  /** Bytes at the end that ended inside a record: 0 when the range ended on a boundary. */
  leftover: number
  invalidLines: number[]
  invalidSequences: number
  /** Per planned column, the values sent to its variant (first line relative). */
  variantCounts?: (VariantCount | null)[]
  /** Set when a value needs a wider type or a variant: the file must be inferred again. */
  widen?: { types: AthenaType[]; variants: boolean[] }
}

/** A row group cell limit, as in the single-thread engine. */
const MAX_GROUP_CELLS = 4_000_000

/** The job's column plan, rebuilt (contract formats compiled again). */
export function rangePlan(job: RangeJob): ColumnPlan {
  return {
    width: job.width,
    trailingDelimiter: job.dialect.trailingDelimiter ? job.dialect : undefined,
    warnings: [],
    columns: job.columns.map((c) => ({
      ...c,
      declared: c.declared ? { ...c.declared, format: c.declared.format ? compileTemporalFormats(typeof c.declared.format === 'string' ? [c.declared.format] : c.declared.format) : undefined } : undefined,
    })),
  }
}

/** The plan as plain data for a RangeJob. */
export function jobColumns(plan: ColumnPlan): RangeJob['columns'] {
  return plan.columns.map((c) => ({ ...c, declared: c.declared ? { ...c.declared, format: c.declared.format?.patterns ?? c.declared.format?.pattern } : undefined }))
}

/**
 * Converts one byte range: validates its UTF-8, scans its records, coerces them into column
 * builders and hands each encoded row group to `emit`. Rejects come back in the result with
 * relative lines (their messages too). A value that needs a wider type stops the range with
 * `widen` set; nothing it emitted may be kept then.
 */
export async function convertRange(job: RangeJob, bytes: AsyncIterable<Uint8Array>, emit: (group: EncodedRowGroup) => Promise<void>): Promise<RangeResult> {
  const invalid = new Set<number>()
  let invalidSequences = 0
  const counters = { blankLines: 0 }
  const plan = rangePlan(job)
  const typing = { types: job.types, variants: job.variants ?? job.types.map(() => false), numbers: job.numbers, orders: job.orders?.map((o) => o ?? undefined) }
  const tables = (job.tables ?? job.types.map(() => null)).map((t) => t ?? undefined)
  const coercer = new RecordCoercer(plan, typing, tables, new NullTokens(job.nullTokens), job.nullTokens, invalid)
  const elements = job.output.map(schemaElement)
  const maxRows = Math.max(1, Math.floor(MAX_GROUP_CELLS / Math.max(job.output.length, 1)))
  const result: RangeResult = { rowsIn: 0, blankLines: 0, rejects: [], lineBreaks: 0, leftover: 0, invalidLines: [], invalidSequences: 0 }
  const validated = validateUtf8(asBuffers(bytes), invalid, () => (invalidSequences += 1))
  const tail = { open: !job.last, line: 1, leftover: 0 }
  const pool: RecordBatch[] = []
  const scan = scanRecords(validated, job.dialect, job.sourceName, counters, 1, tail, pool)
  const flush = async () => {
    await emit(encodeRowGroup(coercer.builders, elements, job.codec, coercer.rows))
    coercer.reset()
  }
  const groups = new RowGroupFiller(coercer, { groupBytes: job.rowGroupBytes, maxRows }, flush, (reject) => void result.rejects.push(reject))
  try {
    for await (const batch of scan) {
      result.rowsIn += await groups.add(batch, 0)
      pool.push(batch)
    }
  } catch (e) {
    if (!(e instanceof WidenNeeded)) throw e
    return { ...result, widen: e.typing }
  }
  if (coercer.rows > 0) await emit(encodeRowGroup(coercer.builders, elements, job.codec, coercer.rows))
  return {
    ...result,
    blankLines: counters.blankLines,
    lineBreaks: tail.line - 1,
    leftover: tail.leftover,
    invalidLines: [...invalid],
    invalidSequences,
    variantCounts: coercer.variantCounts.map((c) => c ?? null),
  }
}

async function* asBuffers(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const c of chunks) yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength)
}

/** The type names of a job, for messages. */
export const jobTypes = (job: RangeJob) => job.types.map(athenaTypeName).join(', ')
