import type { ParquetPartWriter } from '../../functions/core/parquet/parquet-part-writer'
import type { CellValue } from '../../functions/core/schema/value-codecs'
import type { PartInfo } from '../../functions/core/parquet/part-sink'

/** Where coerced rows go: one table, or one table per partition value. */
export interface RowTarget {
  /** Adds a row; true when `flush()` is due. */
  add(values: readonly (CellValue | null)[], chars: number): boolean
  flush(): Promise<void>
  finish(): Promise<PartInfo[]>
}

/** A row group also closes at this many cells, so narrow files cannot pile up rows. */
const MAX_GROUP_CELLS = 4_000_000

/**
 * Collects coerced rows column by column and hands them to the Parquet writer one row
 * group at a time. A group closes when the CSV text it came from reaches `groupChars`.
 */
export class RowGroupBuffer implements RowTarget {
  private columns: (CellValue | null)[][]
  private rows = 0
  /** CSV text behind the rows buffered now. */
  chars = 0
  private readonly maxRows: number

  constructor(
    private readonly writer: ParquetPartWriter,
    private readonly width: number,
    private readonly groupChars: number,
  ) {
    this.columns = this.empty()
    this.maxRows = Math.max(1, Math.floor(MAX_GROUP_CELLS / Math.max(width, 1)))
  }

  /** Adds one row; returns true when the group is full and `flush()` is due. */
  add(values: readonly (CellValue | null)[], chars: number): boolean {
    for (let j = 0; j < this.width; j++) this.columns[j].push(values[j])
    this.rows += 1
    this.chars += chars
    return this.chars >= this.groupChars || this.rows >= this.maxRows
  }

  async flush(): Promise<void> {
    if (this.rows === 0) return
    const columns = this.columns
    const rows = this.rows
    this.columns = this.empty()
    this.rows = 0
    this.chars = 0
    await this.writer.writeRowGroup(columns, rows)
  }

  /** Writes what is left and closes the last part. */
  async finish(): Promise<PartInfo[]> {
    await this.flush()
    return this.writer.finish()
  }

  private empty(): (CellValue | null)[][] {
    return Array.from({ length: this.width }, () => [])
  }
}
