import type { ConstantColumn } from './lineage'
import { ContractViolationError } from '../errors'
import { ParquetPartWriter } from './parquet-part-writer'
import type { ParquetColumn, Codec } from './parquet-schema'
import { RowGroupBuffer, type RowTarget } from './row-group-buffer'
import { formatIsoDate } from '../schema/temporal-format'
import type { AthenaType } from '../schema/athena-types'
import type { PartInfo, PartSink } from './part-sink'
import type { CellValue } from '../schema/value-codecs'

/** Hive's name for the partition of null values. */
export const NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__'
/** Distinct partition values one file may have: each holds a row group in memory. */
export const MAX_PARTITIONS_PER_FILE = 200

/** Partition path text of a value: ISO dates, plain numbers, the Hive default for null. */
export function partitionText(value: CellValue | null, type: AthenaType): string {
  if (value === null) return NULL_PARTITION
  if (type.kind === 'date') return formatIsoDate(value as number)
  return String(value)
}

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
