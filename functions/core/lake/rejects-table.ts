import { ParquetPartWriter } from '../parquet/parquet-part-writer'
import type { ParquetColumn, Codec } from '../parquet/parquet-schema'
import type { Reject } from '../csv/reject'
import type { PartInfo, PartSink } from '../parquet/part-sink'

/** Columns of every rejects table. */
export const REJECT_COLUMNS: ParquetColumn[] = [
  { name: 'source', type: { kind: 'string' }, nullable: false },
  { name: 'line', type: { kind: 'bigint' }, nullable: false },
  { name: 'record', type: { kind: 'string' }, nullable: false },
  { name: 'error_code', type: { kind: 'string' }, nullable: false },
  { name: 'error_message', type: { kind: 'string' }, nullable: false },
  { name: 'column', type: { kind: 'string' }, nullable: true },
]

const GROUP_ROWS = 50_000
const GROUP_CHARS = 8 * 1024 * 1024

/** Buffers rejects and writes them as Parquet row groups. */
export class RejectsTable {
  private readonly writer: ParquetPartWriter
  private buffer: Reject[] = []
  private chars = 0
  readonly codes: Record<string, number> = {}
  count = 0
  /** Line of the first reject, for messages. */
  firstLine?: number
  /** Column-count rejects by the field count found, and the count expected. */
  private readonly widths = new Map<number, number>()
  private expectedWidth?: number

  constructor(sink: PartSink, codec: Codec, partBytes: number, private readonly source: string) {
    this.writer = new ParquetPartWriter(sink, 'rejects', REJECT_COLUMNS, codec, partBytes)
  }

  async add(reject: Reject): Promise<void> {
    this.buffer.push(reject)
    this.count += 1
    this.firstLine ??= reject.line
    this.codes[reject.code] = (this.codes[reject.code] ?? 0) + 1
    if (reject.code === 'column_count') this.countWidth(reject.message)
    this.chars += reject.record.length
    if (this.buffer.length >= GROUP_ROWS || this.chars >= GROUP_CHARS) await this.flush()
  }

  /** The expected field count and the most common one found, over the column-count rejects. */
  fieldCounts(): { expected: number; found: number; rows: number } | undefined {
    if (this.expectedWidth === undefined) return undefined
    const [found, rows] = [...this.widths].reduce((a, b) => (b[1] > a[1] ? b : a))
    return { expected: this.expectedWidth, found, rows }
  }

  private countWidth(message: string): void {
    const m = /expected (\d+) fields?, found (\d+)/.exec(message)
    if (!m) return
    this.expectedWidth = Number(m[1])
    const found = Number(m[2])
    this.widths.set(found, (this.widths.get(found) ?? 0) + 1)
  }

  async finish(): Promise<PartInfo[]> {
    await this.flush()
    return this.writer.finish()
  }

  private async flush(): Promise<void> {
    const rows = this.buffer
    if (rows.length === 0) return
    this.buffer = []
    this.chars = 0
    await this.writer.writeRowGroup(
      [
        rows.map(() => this.source),
        rows.map((r) => BigInt(r.line)),
        rows.map((r) => r.record),
        rows.map((r) => r.code),
        rows.map((r) => r.message),
        rows.map((r) => r.column),
      ],
      rows.length,
    )
  }
}
