import type { ColumnChunk, FileMetaData, RowGroup, SchemaElement } from 'hyparquet'
import { ByteWriter } from 'hyparquet-writer'
import { writeMetadata } from 'hyparquet-writer/src/metadata.js'
import type { ColumnBuilder } from './column-builders'
import { writeColumnChunk, writeConstantChunk } from './column-chunk'
import { scratch } from './encode-scratch'
import { schemaElement, type ParquetColumn, type Codec } from './parquet-schema'
import type { PartInfo, PartOutput, PartSink } from './part-sink'
import { constantSchema, type ConstantColumn } from './lineage'
import { columnStatsOfFooter } from './part-stats'

const MAGIC = new TextEncoder().encode('PAR1')

/**
 * One row group encoded on its own: its bytes, and chunk metadata whose offsets count from
 * the group's first byte. A worker thread encodes groups; the writer places them in a part.
 */
export interface EncodedRowGroup {
  bytes: Uint8Array
  columns: ColumnChunk[]
  rows: number
}

/**
 * Encodes one row group of builders (every builder holds `rows` rows). The group is built in
 * a reused buffer and copied out once, at its exact size, into bytes of its own (a worker
 * transfers them).
 */
export function encodeRowGroup(builders: ColumnBuilder[], elements: SchemaElement[], codec: Codec, rows: number): EncodedRowGroup {
  const out = scratch.group()
  const columns: ColumnChunk[] = []
  for (let j = 0; j < builders.length; j++) columns.push(writeColumnChunk(out, out.offset, builders[j], elements[j], codec))
  return { bytes: out.getBytes().slice(), columns, rows }
}

const shift = (offset: bigint | undefined, by: bigint) => (offset === undefined ? undefined : offset + by)

/**
 * Writes row groups of typed-array columns into Parquet parts through a PartSink, starting a
 * new part once the current one holds `partBytes`. Each row group is encoded into one buffer
 * and handed to the sink; the footer (thrift, by hyparquet-writer) closes the part.
 */
export class ColumnarPartWriter {
  private current?: { output: PartOutput; offset: number; rowGroups: RowGroup[]; rows: number }
  private readonly done: PartInfo[] = []
  private readonly elements: SchemaElement[]
  /** Schema elements of the constant columns, which follow the data columns. */
  private readonly constantElements: SchemaElement[]
  private readonly constantValues: Uint8Array[]

  constructor(
    private readonly sink: PartSink,
    columns: ParquetColumn[],
    private readonly codec: Codec,
    private readonly partBytes: number,
    /** Index of this writer's first part: each byte range writes parts of its own. */
    private readonly firstIndex = 0,
    /** Columns with one value in every row (lineage), appended to each row group here. */
    private readonly constants: ConstantColumn[] = [],
    /** The partition column values of every part, for a table partitioned by a contract column. */
    private readonly partition?: Record<string, string>,
  ) {
    this.constantElements = constantSchema(constants).map(schemaElement)
    this.constantValues = constants.map((c) => new TextEncoder().encode(c.value))
    this.elements = [...columns.map(schemaElement), ...this.constantElements]
  }

  /** Encodes and writes one row group; every builder holds the same number of rows. */
  async writeRowGroup(builders: ColumnBuilder[], rows: number): Promise<void> {
    if (rows === 0) return
    await this.writeEncoded(encodeRowGroup(builders, this.elements.slice(0, builders.length), this.codec, rows))
  }

  /** Writes a row group encoded elsewhere (a worker), moving its offsets to where it lands. */
  async writeEncoded(group: EncodedRowGroup): Promise<void> {
    if (group.rows === 0) return
    const constants = this.constants.length > 0 ? this.constantChunks(group) : undefined
    if (!this.current) await this.openPart()
    const part = this.current!
    const by = BigInt(part.offset)
    let uncompressed = 0n
    const columns = [...group.columns, ...(constants?.columns ?? [])].map((c) => {
      const m = c.meta_data!
      uncompressed += m.total_uncompressed_size
      return {
        ...c,
        file_offset: c.file_offset + by,
        meta_data: { ...m, data_page_offset: m.data_page_offset + by, dictionary_page_offset: shift(m.dictionary_page_offset, by) },
      }
    })
    part.rowGroups.push({
      columns,
      total_byte_size: uncompressed,
      num_rows: BigInt(group.rows),
      file_offset: by,
      total_compressed_size: BigInt(group.bytes.length + (constants?.bytes.length ?? 0)),
    })
    await part.output.write(group.bytes)
    if (constants) await part.output.write(constants.bytes)
    part.offset += group.bytes.length + (constants?.bytes.length ?? 0)
    part.rows += group.rows
    if (part.offset >= this.partBytes) await this.closePart()
  }

  /**
   * The constant columns' chunks of a group (a dictionary of one value each), laid out to
   * follow the group's own bytes: offsets count from the group's first byte.
   */
  private constantChunks(group: EncodedRowGroup): { bytes: Uint8Array; columns: ColumnChunk[] } {
    const out = new ByteWriter(1024)
    const columns = this.constantValues.map((value, k) =>
      writeConstantChunk(out, group.bytes.length + out.offset, value, group.rows, this.constantElements[k], this.codec),
    )
    return { bytes: out.getBytes(), columns }
  }

  /** Closes the open part and returns every part written. */
  async finish(): Promise<PartInfo[]> {
    if (this.current) await this.closePart()
    return this.done
  }

  /** A part with the schema and no rows: a header-only file still yields its table. */
  async writeEmptyPart(): Promise<PartInfo[]> {
    await this.openPart()
    return this.finish()
  }

  private async openPart(): Promise<void> {
    const output = await this.sink.openPart('data', this.firstIndex + this.done.length, this.partition)
    await output.write(MAGIC)
    this.current = { output, offset: MAGIC.length, rowGroups: [], rows: 0 }
  }

  private async closePart(): Promise<void> {
    const part = this.current!
    this.current = undefined
    const footer = new ByteWriter(4096)
    const metadata: FileMetaData = {
      version: 2,
      schema: [{ name: 'root', num_children: this.elements.length }, ...this.elements],
      num_rows: BigInt(part.rows),
      row_groups: part.rowGroups,
      created_by: 'sluice',
      metadata_length: 0,
    }
    writeMetadata(footer, metadata)
    footer.appendBytes(MAGIC)
    const tail = footer.getBytes()
    await part.output.write(tail)
    const key = await part.output.close()
    this.done.push({
      key,
      rows: part.rows,
      bytes: part.offset + footer.offset,
      index: this.firstIndex + this.done.length,
      ...(this.partition ? { partition: this.partition } : {}),
      columns: columnStatsOfFooter(tail),
    })
  }
}
