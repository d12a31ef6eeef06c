import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { gzipSync } from 'node:zlib'
import { parquetCodec, schemaElement, type ParquetColumn, type Codec } from './parquet-schema'
import type { CellValue } from '../schema/value-codecs'
import { constantSchema, type ConstantColumn } from './lineage'
import type { PartInfo, PartOutput, PartSink } from './part-sink'
import { columnStatsOfFooter } from './part-stats'

/** Initial size of the write buffer; it grows to one row group's encoded size. */
const FLUSH_BYTES = 64 * 1024

/**
 * Writes row groups into Parquet parts through a PartSink, starting a new part when the
 * current one has reached `partBytes`. Only one row group is ever held in memory.
 */
export class ParquetPartWriter {
  private current?: { writer: ParquetWriter; bytes: SinkByteWriter; key?: string; rows: number }
  private readonly done: PartInfo[] = []
  private readonly schema
  private readonly needsBigInt: boolean[]

  constructor(
    private readonly sink: PartSink,
    private readonly kind: 'data' | 'rejects',
    private readonly columns: ParquetColumn[],
    private readonly codec: Codec,
    private readonly partBytes: number,
    private readonly partition?: Record<string, string>,
    /** Columns with one value in every row (lineage), after the data columns. */
    private readonly constants: ConstantColumn[] = [],
  ) {
    const all = [...columns, ...constantSchema(constants)]
    this.schema = [{ name: 'root', num_children: all.length }, ...all.map(schemaElement)]
    // The writer takes INT64 and DECIMAL values as bigints only (timestamps it converts itself).
    this.needsBigInt = columns.map((c) => c.type.kind === 'bigint' || c.type.kind === 'decimal')
  }

  /** Appends one row group: one array of values (null for null) per column. */
  async writeRowGroup(data: (CellValue | null)[][], rows: number): Promise<void> {
    if (rows === 0) return
    if (!this.current) await this.openPart()
    const part = this.current!
    await part.writer.write({
      columnData: [
        ...this.columns.map((c, i) => ({ name: c.name, data: this.needsBigInt[i] ? data[i].map(toBigInt) : data[i] })),
        ...this.constants.map((c) => ({ name: c.name, data: new Array<string>(rows).fill(c.value) })),
      ],
      rowGroupSize: rows,
      // Dictionary pages are kept whenever they at least halve a chunk: low-cardinality
      // strings get RLE_DICTIONARY, unique ones stay PLAIN instead of growing.
    })
    part.rows += rows
    if (part.bytes.offset >= this.partBytes) await this.closePart()
  }

  /** Closes the open part and returns every part written. */
  async finish(): Promise<PartInfo[]> {
    if (this.current) await this.closePart()
    return this.done
  }

  /** Writes a part with the schema and no rows: a header-only file still yields its table. */
  async writeEmptyPart(): Promise<PartInfo[]> {
    await this.openPart()
    return this.finish()
  }

  private async openPart(): Promise<void> {
    const output = await this.sink.openPart(this.kind, this.done.length, this.partition)
    const bytes = new SinkByteWriter(output)
    const writer = new ParquetWriter({
      writer: bytes,
      schema: this.schema,
      codec: parquetCodec(this.codec),
      compressors: { GZIP: (input: Uint8Array) => gzipSync(input) },
      statistics: true,
      createdBy: 'sluice',
    })
    this.current = { writer, bytes, rows: 0 }
  }

  private async closePart(): Promise<void> {
    const part = this.current!
    this.current = undefined
    await part.writer.finish()
    const key = await part.bytes.output.close()
    // The last bytes drained end with the footer: a data part's statistics come from there.
    const columns = this.kind === 'data' && part.bytes.last ? { columns: columnStatsOfFooter(part.bytes.last) } : {}
    this.done.push({ key, rows: part.rows, bytes: part.bytes.offset, index: this.done.length, ...(this.partition ? { partition: this.partition } : {}), ...columns })
  }
}

const toBigInt = (v: CellValue | null) => (typeof v === 'number' ? BigInt(v) : v)

/** hyparquet-writer's byte buffer, drained into a PartOutput after every row group. */
class SinkByteWriter extends ByteWriter {
  /** The chunk drained last: after `finish`, the one that ends with the footer. */
  last?: Uint8Array

  constructor(readonly output: PartOutput) {
    super(FLUSH_BYTES)
  }

  flush(): Promise<void> | undefined {
    if (this.index === 0) return undefined
    const chunk = new Uint8Array(this.buffer.slice(0, this.index))
    this.index = 0
    this.last = chunk
    return this.output.write(chunk)
  }

  override finish(): Promise<void> | undefined {
    return this.flush()
  }
}
