import type { ConstantColumn } from '../../functions/core/parquet/lineage'
import { ContractViolationError } from '../../functions/core/errors'
import { ParquetPartWriter } from '../../functions/core/parquet/parquet-part-writer'
import type { ParquetColumn, Codec } from '../../functions/core/parquet/parquet-schema'
import type { AthenaType } from '../../functions/core/schema/athena-types'
import type { PartInfo, PartSink } from '../../functions/core/parquet/part-sink'
import type { CellValue } from '../../functions/core/schema/value-codecs'
import { MAX_PARTITIONS_PER_FILE, partitionText } from '../../functions/core/parquet/partition-values'
import { RowGroupBuffer, type RowTarget } from './row-group-buffer'

/**
 * Routes rows by the value of one column into a row group buffer (and Parquet parts) per
 * value, the column itself left out of the files. Memory stays bounded: when the rows held
 * across all values reach one row group's worth of text, the largest buffer is written.
 */
export class PartitionedRows implements RowTarget {
  private readonly buffers = new Map<string, RowGroupBuffer>()
  private held = 0
  private due?: RowGroupBuffer

  constructor(
    private readonly sink: PartSink,
    private readonly columns: ParquetColumn[],
    private readonly by: { index: number; name: string; type: AthenaType },
    private readonly codec: Codec,
    private readonly partBytes: number,
    private readonly groupChars: number,
    private readonly sourceName: string,
    /** Lineage columns, written into every part. */
    private readonly constants: ConstantColumn[] = [],
  ) {}

  add(values: readonly (CellValue | null)[], chars: number): boolean {
    const text = partitionText(values[this.by.index], this.by.type)
    const buffer = this.buffers.get(text) ?? this.open(text)
    const row = values.filter((_, j) => j !== this.by.index)
    if (buffer.add(row, chars)) this.due = buffer
    this.held += chars
    return this.due !== undefined || this.held >= this.groupChars
  }

  async flush(): Promise<void> {
    if (this.due) {
      this.held -= this.due.chars
      await this.due.flush()
      this.due = undefined
    }
    while (this.held >= this.groupChars) {
      const largest = [...this.buffers.values()].reduce((a, b) => (b.chars > a.chars ? b : a))
      this.held -= largest.chars
      await largest.flush()
    }
  }

  async finish(): Promise<PartInfo[]> {
    const parts: PartInfo[] = []
    for (const buffer of this.buffers.values()) parts.push(...(await buffer.finish()))
    return parts
  }

  private open(text: string): RowGroupBuffer {
    if (this.buffers.size >= MAX_PARTITIONS_PER_FILE) {
      throw new ContractViolationError(
        `partition: ${this.sourceName} has more than ${MAX_PARTITIONS_PER_FILE} values of partition column ${this.by.name}; partition by a coarser column`,
      )
    }
    const writer = new ParquetPartWriter(this.sink, 'data', this.columns, this.codec, this.partBytes, { [this.by.name]: text }, this.constants)
    const buffer = new RowGroupBuffer(writer, this.columns.length, this.groupChars)
    this.buffers.set(text, buffer)
    return buffer
  }
}
