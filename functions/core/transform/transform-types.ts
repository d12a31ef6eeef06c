import type { ColumnInfo } from '../schema/column-info'
import type { PartInfo } from '../parquet/part-sink'
import type { Codec } from '../parquet/parquet-schema'
import type { Lineage } from '../parquet/lineage'
import type { RangeJob, RangeResult } from './convert-range'
import type { EncodedRowGroup } from '../parquet/columnar-part-writer'
import type { Contract } from '../schema/contract'

export interface TransformOptions {
  /** The raw key and run every data row is stamped with (lineage columns); none when absent. */
  lineage?: Lineage
  /** Name used in messages and in the rejects `source` column, e.g. `raw/orders/a.csv`. */
  sourceName: string
  contract?: Contract
  codec?: Codec
  /** Fraction of data rows that may be rejected before the file fails. Default 0.05. */
  rejectThreshold?: number
  /**
   * Row groups close once this much decoded CSV text has been read into them. Unset, the byte
   * engine sizes them from `memoryBudgetMb` and the worker count (parquet/row-group-budget.ts).
   */
  rowGroupBytes?: number
  /** Memory, in MB, the transform may use (the Lambda's size); default 128. */
  memoryBudgetMb?: number
  /** A new part starts once the current part holds this many Parquet bytes. */
  partBytes?: number
  /** Rows read before column types are fixed when there is no contract for a column. */
  sampleRows?: number
  /**
   * `sample` (default): infer from the first rows, restart with a full pass if a later
   * value needs a wider type. `prepass`: always read the whole file once to infer first.
   */
  inference?: 'sample' | 'prepass'
  /**
   * The curated table's current columns (Athena type names). An undeclared column the table
   * already has starts inference at the table's type and keeps its name: the file writes it
   * typed as the table does, or as a widening of that type; only values that fit neither go,
   * as text, to the column's variant `<name>__string` (schema/value-routing.ts). A contract
   * column is written as the table's type when that holds the declared one, else as their
   * widening; a conflict fails the file (schema/contract-on-table.ts).
   */
  tableColumns?: { name: string; type: string }[]
  /** The dataset the file belongs to, for messages; by default from the raw key. */
  dataset?: string
  /**
   * Bounds on a gzip input's decompressed size: bytes, and the expansion ratio checked once
   * `ratioAfterBytes` have come out. Beyond either the file fails with DecompressionLimitError.
   */
  gzipLimits?: { maxBytes?: number; maxRatio?: number; ratioAfterBytes?: number }
  /**
   * Threads converting one uncompressed file: 1 converts in the calling thread alone; with
   * more, the calling thread converts the first range and worker threads the others.
   * Undefined picks min(available, size ÷ 50 MB). Needs a source with `size` and `openRange`.
   */
  workers?: number
  /**
   * Runs byte ranges in worker threads (functions/adapters/range-workers.ts). Without one,
   * ranges run one after another in this thread: the same results, no parallelism.
   */
  rangeRunner?: RangeRunner
  /** Names no column may take (partition keys); a header with one gets `_2`. */
  reservedColumns?: string[]
}

/** Converts byte ranges of one file, each in a worker of its own. */
export interface RangeRunner {
  /** Threads it can use at once: the default worker count never exceeds it. */
  readonly maxWorkers: number
  run(job: RangeJob, bytes: AsyncIterable<Uint8Array>, emit: (group: EncodedRowGroup) => Promise<void>): Promise<RangeResult>
  /** Starts `workers` threads ahead, while the file's head is still being read. */
  prepare?(workers: number): void
  /** Stops the threads started ahead that no range took. */
  release?(): void
}

export interface TransformStats {
  source: string
  /** `failed`: over the reject threshold; only `rejectParts` were kept. */
  outcome: 'transformed' | 'empty' | 'failed'
  rowsIn: number
  rowsOut: number
  rowsRejected: number
  /** Lines that were completely empty; they are not rows. */
  blankLines: number
  /** Bytes read from the source (compressed size for gzip). */
  bytesIn: number
  /** Parquet bytes written for data parts. */
  bytesOut: number
  /** Parquet bytes written for rejects parts. */
  rejectBytesOut: number
  compression: 'gzip' | 'zstd' | 'none'
  encoding: string
  bom: boolean
  dialect: {
    delimiter: string
    quote: string | null
    escape: string
    lineBreak: 'LF' | 'CRLF' | 'CR' | 'none'
    trimSpaces: boolean
    trailingDelimiter: boolean
    skipLines: number
    header: boolean
  }
  /** The Parquet columns; a partition column is not among them (its value is in the path). */
  columns: ColumnInfo[]
  /** The contract's partition column, when there is one. */
  partitionBy?: { name: string; type: string }
  /** Original header → normalized name, only where they differ. */
  renamed: Record<string, string>
  parts: PartInfo[]
  rejectParts: PartInfo[]
  /** Reject counts by error code. */
  rejectCodes: Record<string, number>
  inference: { sampleRows: number; restarts: number }
  warnings: string[]
  /** Values written to `__string` variants because they fit neither their column's type nor a widening of it. */
  variantValues?: number
  seconds: number
}
