import type { ConstantColumn } from './lineage'
import { ContractViolationError } from '../errors'
import type { AthenaType } from '../schema/athena-types'
import type { Codec } from './parquet-schema'
import type { PartInfo, PartSink } from './part-sink'
import { columnBuilder, type BytesColumn, type ColumnBuilder } from './column-builders'
import { ColumnarPartWriter } from './columnar-part-writer'
import type { ParquetColumn } from './parquet-schema'
import { MAX_PARTITIONS_PER_FILE, partitionText } from './partition-values'
import { EntryMemo, scatter } from './scatter-rows'

/** When a partition's row group closes, and how much all of them may hold together. */
export interface PartitionLimits {
  /** CSV bytes behind one partition's row group. */
  groupBytes: number
  /** CSV bytes behind the rows of every partition together: past it the largest is written. */
  heldBytes: number
  /** Rows of one row group. */
  maxRows: number
}

/** Rows a partition's builders have room for when it opens: most partitions stay small. */
const PARTITION_CAPACITY = 64
/**
 * Builders that held more rows than this are replaced by small ones when their partition is
 * found empty at a later row group's writing (it took no row since): otherwise every partition
 * would keep the arrays of its largest row group (a file sorted by the partition column grows
 * each partition's in turn), and the memory held would grow with the number of partitions
 * rather than stay under the bound. A partition that goes on taking rows keeps its arrays.
 */
const KEPT_ROWS = 2048

interface Partition {
  index: number
  text: string
  builders: ColumnBuilder[]
  writer: ColumnarPartWriter
  rows: number
  /** CSV bytes behind the rows buffered now. */
  bytes: number
  /** Its builders last held more than KEPT_ROWS rows. */
  large: boolean
}

/**
 * The byte engine's partitioned output: one set of column builders and one part writer per
 * value of the partition column, the column itself left out of the files. Rows arrive as
 * stretches already coerced into staging builders (every output column); each row is moved to
 * its partition's builders in order, so a partition keeps the file's row order. A partition's
 * row group is written when it reaches `groupBytes` of CSV text or `maxRows`; when the rows
 * held across all partitions reach `heldBytes`, the largest partition's row group is written
 * (spilled) until they are below it. Partition values, their text and the cap on their number
 * are those of the reference engine (`partitionText`, MAX_PARTITIONS_PER_FILE).
 */
export class PartitionBuilders {
  private readonly partitions: Partition[] = []
  private readonly byText = new Map<string, number>()
  /** Partition of a numeric value of the partition column (its text is a function of it). */
  private readonly byNumber = new Map<number, number>()
  /** Per output column (partition column left out), each partition's builder. */
  private readonly targets: ColumnBuilder[][]
  /** Per output column, the partitions' entries of the staged string entries. */
  private readonly memos: EntryMemo[]
  /** The partition of each staged row. */
  private routes = new Int32Array(1024)
  /** The staged rows grouped by partition, and the bounds of each group while grouping. */
  private order = new Int32Array(1024)
  private starts = new Int32Array(256)
  /** Working space of a stretch: one number per staged row. */
  private scratch = new Int32Array(1024)
  /** Each partition's epoch: a new one whenever its builders are cleared or replaced (EntryMemo). */
  private readonly epochs = new Int32Array(MAX_PARTITIONS_PER_FILE)
  private lastEpoch = 0
  /** The partition of each string entry of the staged partition column (-1: not seen yet). */
  private entryRoutes = new Int32Array(1024)
  private held = 0

  constructor(
    private readonly sink: PartSink,
    /** The Parquet columns written, the partition column left out. */
    private readonly columns: ParquetColumn[],
    /** The partition column: its index among the staged builders, name and type. */
    private readonly by: { index: number; name: string; type: AthenaType },
    private readonly codec: Codec,
    private readonly partBytes: number,
    private readonly limits: PartitionLimits,
    private readonly sourceName: string,
    /** Lineage columns, written into every part. */
    private readonly constants: ConstantColumn[] = [],
  ) {
    this.targets = columns.map(() => [])
    this.memos = columns.map(() => new EntryMemo())
  }

  /** CSV bytes behind the rows buffered in every partition. */
  get heldBytes(): number {
    return this.held
  }

  /** CSV bytes the partitions may take before the largest is written. */
  get room(): number {
    return this.limits.heldBytes - this.held
  }

  /** Rows of one row group: a stretch holds no more, so no group passes twice as many. */
  get maxRows(): number {
    return this.limits.maxRows
  }

  /**
   * Moves the `rows` staged rows (a builder per output column, partition column included) to
   * their partitions, `rowBytes[i]` being the CSV bytes of row i; writes the row groups due.
   * The staging builders are left as they are: the caller resets them.
   */
  async take(staged: ColumnBuilder[], rows: number, rowBytes: ArrayLike<number>): Promise<void> {
    if (rows === 0) return
    const routes = this.route(staged[this.by.index], rows)
    const order = this.byPartition(routes, rows)
    for (let j = 0, k = 0; j < staged.length; j++) {
      if (j === this.by.index) continue
      scatter(staged[j], this.targets[k], routes, order, rows, this.memos[k], this.epochs, this.scratch)
      k += 1
    }
    const partitions = this.partitions
    for (let r = 0; r < rows; r++) {
      const p = partitions[routes[r]]
      p.rows += 1
      p.bytes += rowBytes[r]
      this.held += rowBytes[r]
    }
    const { groupBytes, maxRows, heldBytes } = this.limits
    for (const p of partitions) if (p.bytes >= groupBytes || p.rows >= maxRows) await this.flush(p)
    while (this.held >= heldBytes) {
      let largest = partitions[0]
      for (const p of partitions) if (p.bytes > largest.bytes) largest = p
      await this.flush(largest)
    }
  }

  /** Writes what every partition holds and closes their parts; parts by partition, in order of first row. */
  async finish(): Promise<PartInfo[]> {
    const parts: PartInfo[] = []
    for (const p of this.partitions) {
      await this.flush(p)
      parts.push(...(await p.writer.finish()))
    }
    return parts
  }

  private async flush(p: Partition): Promise<void> {
    if (p.rows === 0) return
    await p.writer.writeRowGroup(p.builders, p.rows)
    for (const idle of this.partitions) if (idle.large && idle.rows === 0) this.shrink(idle)
    for (const b of p.builders) b.reset()
    this.epochs[p.index] = ++this.lastEpoch
    p.large = p.rows > KEPT_ROWS
    this.held -= p.bytes
    p.rows = 0
    p.bytes = 0
  }

  /** Small builders for a partition whose large ones were written and left idle. */
  private shrink(p: Partition): void {
    p.builders = this.columns.map((c) => columnBuilder(c.type, PARTITION_CAPACITY))
    p.builders.forEach((b, k) => (this.targets[k][p.index] = b))
    this.epochs[p.index] = ++this.lastEpoch
    p.large = false
  }

  /**
   * The staged rows grouped by partition, in file order within each (a stable counting sort):
   * string values are appended partition by partition, so that one partition's dictionary
   * stays in the processor's cache while its rows go in.
   */
  private byPartition(routes: Int32Array, rows: number): Int32Array {
    const partitions = this.partitions.length
    if (this.starts.length < partitions + 1) this.starts = new Int32Array(2 * (partitions + 1))
    if (this.order.length < rows) this.order = new Int32Array(Math.max(rows, 2 * this.order.length))
    if (this.scratch.length < rows) this.scratch = new Int32Array(this.order.length)
    const starts = this.starts
    starts.fill(0, 0, partitions + 1)
    for (let r = 0; r < rows; r++) starts[routes[r] + 1] += 1
    for (let p = 0; p < partitions; p++) starts[p + 1] += starts[p]
    const order = this.order
    for (let r = 0; r < rows; r++) order[starts[routes[r]]++] = r
    return order
  }

  /** Each staged row's partition, opening partitions on their first row. */
  private route(column: ColumnBuilder, rows: number): Int32Array {
    if (this.routes.length < rows) this.routes = new Int32Array(Math.max(rows, 2 * this.routes.length))
    const routes = this.routes
    const defined = column.defined
    let v = 0
    if (column.kind === 'bytes') {
      if (this.entryRoutes.length < column.entries) this.entryRoutes = new Int32Array(Math.max(column.entries, 2 * this.entryRoutes.length))
      const entries = this.entryRoutes
      entries.fill(-1, 0, column.entries)
      for (let r = 0; r < rows; r++) {
        if (defined[r] === 0) {
          routes[r] = this.partitionOf(partitionText(null, this.by.type))
          continue
        }
        const e = column.entryOf(v++)
        if (entries[e] < 0) entries[e] = this.partitionOf(Buffer.from(column.bytes.buffer, column.bytes.byteOffset + column.entryStart(e), column.ends[e] - column.entryStart(e)).toString('utf8'))
        routes[r] = entries[e]
      }
      return routes
    }
    for (let r = 0; r < rows; r++) {
      if (defined[r] === 0) {
        routes[r] = this.partitionOf(partitionText(null, this.by.type))
        continue
      }
      const value = cellValue(column, v++)
      if (typeof value === 'number') {
        let p = this.byNumber.get(value)
        if (p === undefined) {
          p = this.partitionOf(partitionText(value, this.by.type))
          this.byNumber.set(value, p)
        }
        routes[r] = p
      } else routes[r] = this.partitionOf(partitionText(value, this.by.type))
    }
    return routes
  }

  /** The index of the partition of this text, opened if it is new. */
  private partitionOf(text: string): number {
    const known = this.byText.get(text)
    if (known !== undefined) return known
    if (this.partitions.length >= MAX_PARTITIONS_PER_FILE) {
      throw new ContractViolationError(
        `partition: ${this.sourceName} has more than ${MAX_PARTITIONS_PER_FILE} values of partition column ${this.by.name}; partition by a coarser column`,
      )
    }
    const builders = this.columns.map((c) => columnBuilder(c.type, PARTITION_CAPACITY))
    const writer = new ColumnarPartWriter(this.sink, this.columns, this.codec, this.partBytes, 0, this.constants, { [this.by.name]: text })
    const index = this.partitions.length
    this.epochs[index] = ++this.lastEpoch
    this.partitions.push({ index, text, builders, writer, rows: 0, bytes: 0, large: false })
    builders.forEach((b, k) => this.targets[k].push(b))
    this.byText.set(text, index)
    return index
  }
}

/** Value i (among the non-null values) of a builder that is not a string column, as the reference engine holds it. */
function cellValue(column: Exclude<ColumnBuilder, BytesColumn>, i: number): number | bigint | boolean {
  switch (column.kind) {
    case 'boolean':
      return column.values[i] === 1
    case 'int64':
      return column.big?.get(i) ?? column.values[i]
    case 'bigdecimal':
      return column.values[i]
    default:
      return column.values[i]
  }
}
