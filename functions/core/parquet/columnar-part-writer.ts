import type { ColumnChunk, FileMetaData, RowGroup, SchemaElement } from 'hyparquet'
import { ByteWriter } from 'hyparquet-writer'
import { writeMetadata } from 'hyparquet-writer/src/metadata.js'
import type { ColumnBuilder } from './column-builders'
import { writeColumnChunk } from './column-chunk'
import { schemaElement, type ParquetColumn } from './parquet-schema'
import type { Codec, PartInfo, PartOutput, PartSink } from '../transform-types'

const MAGIC = new TextEncoder().encode('PAR1')

/**
 * Writes row groups of typed-array columns into Parquet parts through a PartSink, starting a
 * new part once the current one holds `partBytes`. Each row group is encoded into one buffer
 * and handed to the sink; the footer (thrift, by hyparquet-writer) closes the part.
 */
export class ColumnarPartWriter {
  private current?: { output: PartOutput; offset: number; rowGroups: RowGroup[]; rows: number }
  private readonly done: PartInfo[] = []
  private readonly elements: SchemaElement[]

  constructor(
    private readonly sink: PartSink,
    private readonly columns: ParquetColumn[],
    private readonly codec: Codec,
    private readonly partBytes: number,
  ) {
    this.elements = columns.map(schemaElement)
  }

  /** Encodes and writes one row group; every builder holds the same number of rows. */
  async writeRowGroup(builders: ColumnBuilder[], rows: number): Promise<void> {
    if (rows === 0) return
    if (!this.current) await this.openPart()
    const part = this.current!
    const out = new ByteWriter(1024 * 1024)
    const chunks: ColumnChunk[] = []
    let uncompressed = 0n
    for (let j = 0; j < builders.length; j++) {
      const chunk = writeColumnChunk(out, part.offset + out.offset, builders[j], this.elements[j], this.codec)
      uncompressed += chunk.meta_data!.total_uncompressed_size
      chunks.push(chunk)
    }
    part.rowGroups.push({
      columns: chunks,
      total_byte_size: uncompressed,
      num_rows: BigInt(rows),
      file_offset: BigInt(part.offset),
      total_compressed_size: BigInt(out.offset),
    })
    await part.output.write(out.getBytes())
    part.offset += out.offset
    part.rows += rows
    if (part.offset >= this.partBytes) await this.closePart()
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
    const output = await this.sink.openPart('data', this.done.length)
    await output.write(MAGIC)
    this.current = { output, offset: MAGIC.length, rowGroups: [], rows: 0 }
  }

  private async closePart(): Promise<void> {
    const part = this.current!
    this.current = undefined
    const footer = new ByteWriter(4096)
    const metadata: FileMetaData = {
      version: 2,
      schema: [{ name: 'root', num_children: this.columns.length }, ...this.elements],
      num_rows: BigInt(part.rows),
      row_groups: part.rowGroups,
      created_by: 'sluice',
      metadata_length: 0,
    }
    writeMetadata(footer, metadata)
    footer.appendBytes(MAGIC)
    await part.output.write(footer.getBytes())
    const key = await part.output.close()
    this.done.push({ key, rows: part.rows, bytes: part.offset + footer.offset, index: this.done.length })
  }
}
