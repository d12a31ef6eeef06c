import { athenaTypeName } from '../schema/athena-types'
import type { ColumnPlan } from '../schema/column-plan'
import { SluiceError } from '../errors'
import { foldRanges } from './transform-ranges'
import { variantName } from '../schema/value-routing'
import { transformStats } from './file-outcome'
import { resolveSettings } from './transform-settings'
import type { FileRange } from '../lake/plan-files'
import type { FileHead, RangeVariant, StagedRange } from './transform-file-range'
import type { PartSink } from '../parquet/part-sink'
import type { TransformStats } from './transform-types'

/**
 * A range of a split file needs a wider type than the sample of the file's head showed. A
 * split file cannot restart its inference as a whole file does: rather than write a narrowed
 * value, the file fails, naming the columns, until they are declared or the split size raised.
 */
export class SplitInferenceError extends SluiceError {}

/** A range of a split file failed: named after the range's own error (e.g. CsvFormatError). */
export class RangeFailedError extends SluiceError {
  constructor(message: string, errorName: string) {
    super(message)
    this.name = errorName
  }
}

/** Converts range `range` of the file from byte `from`, as a Transform would. */
export type ConvertFrom = (head: FileHead, range: FileRange, from: number) => Promise<RangeVariant>

/**
 * Makes one file's stats out of its ranges' conversions: keeps, from range 0 on, the
 * conversion that starts where the previous kept one really ended (a range whose cut fell
 * inside a quoted field was converted again from the true boundary), makes the rejects'
 * lines absolute by prefix sum of the kept ranges' line breaks and writes them as one
 * rejects table into `sink`, applies the reject threshold to the whole file and lists every
 * range's parts. Throws when a kept range failed or needs a wider type: the file fails whole.
 * A range whose true start no Transform converted from (the range before it was itself redone
 * and again ended inside a record) is converted by `redo`.
 */
export async function combineFileRanges(staged: StagedRange[], count: number, sink: PartSink, redo?: ConvertFrom): Promise<TransformStats> {
  const whole = staged.find((s) => 'whole' in s)
  if (whole && 'whole' in whole) return whole.whole
  const variants = staged as RangeVariant[]
  const first = variants.find((v) => v.index === 0)
  if (!first) throw new RangeFailedError(`ranges: range 0 of ${count} is missing`, 'RangeMissing')
  const head = first.head
  const kept: RangeVariant[] = []
  let expected = head.dataStart
  let offset = head.linesBefore
  for (let k = 0; k < count; k++) {
    const v = variants.find((x) => x.index === k && x.from === expected) ?? (await redo?.(head, { index: k, count }, expected))
    if (!v) throw new RangeFailedError(`ranges: range ${k} of ${count} of ${head.sourceName} from byte ${expected} is missing`, 'RangeMissing')
    if (v.error) {
      const message = v.error.message.replace(/\bline (\d+)/g, (_, n: string) => `line ${Number(n) + offset}`)
      throw new RangeFailedError(message, v.error.name)
    }
    const result = v.result!
    if (result.widen) {
      const widen = result.widen
      const columns = head.plan.columns.flatMap((c, j) => {
        const from = athenaTypeName(head.types[j])
        const to = athenaTypeName(widen.types[j])
        if (from !== to) return [`${c.name} (${from} → ${to})`]
        return widen.variants[j] && !head.variants?.[j] ? [`${c.name} (values that fit neither ${from} nor a widening of it, for ${variantName(c.name)})`] : []
      })
      throw new SplitInferenceError(
        `inference: a value after line ${offset} of ${head.sourceName} (byte range ${k + 1} of ${count}) needs a wider type than the sample of the file's first rows showed: ${columns.join(', ')}; ` +
          'a file split into ranges cannot restart its inference: declare these columns in the dataset contract, or raise the split size (SPLIT_BYTES, sluice:splitBytes) above the file size',
      )
    }
    kept.push(v)
    offset += result.lineBreaks
    expected = v.to - result.leftover
  }

  const settings = resolveSettings({
    sourceName: head.sourceName,
    codec: head.codec,
    partBytes: head.partBytes,
    rejectThreshold: head.rejectThreshold,
    sampleRows: head.sampleRows,
    tableColumns: head.tableColumns,
    dataset: head.dataset,
    ...(head.lineage ? { lineage: head.lineage } : {}),
  })
  const folded = await foldRanges(kept.map((v) => ({ result: v.result!, parts: v.parts })), sink, settings, head.all, head.linesBefore, head.blankLinesBefore)
  const { rowsIn, rejects, parts, rejectParts, blankLines, invalidLines, invalidSequences, variantCounts } = folded
  const last = kept[kept.length - 1]
  const opened = {
    dialect: head.dialect,
    counters: { blankLines },
    header: head.header,
    headerLine: head.headerLine,
    notes: head.notes ?? [],
    input: { ...head.input, notes: [], bytes: emptyBytes(), invalidLines, invalidSequences: () => invalidSequences, bytesIn: () => last.to },
  }
  const plan = head.plan as unknown as ColumnPlan
  const stats = transformStats({ settings, opened, plan, types: head.types, variants: head.variants ?? head.types.map(() => false), variantCounts, typingWarnings: head.typingWarnings, all: head.all, by: -1, rowsIn, rejects, parts, rejectParts, sampled: head.sampled })
  return { ...stats, dialect: { ...stats.dialect, header: head.header } }
}

async function* emptyBytes(): AsyncGenerator<Buffer> {}
