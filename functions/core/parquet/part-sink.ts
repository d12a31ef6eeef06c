import type { PartColumnStats } from './part-stats'

/** One output object being written (a Parquet part). */
export interface PartOutput {
  write(chunk: Uint8Array): Promise<void>
  /** Completes the object and returns where it went. */
  close(): Promise<string>
}

/**
 * Where the engine puts its Parquet. The engine never touches files or buckets itself.
 * `discard()` removes every part opened so far: used when inference restarts and when the
 * file fails, so a failed file leaves nothing behind; `discard('data')` removes the data parts
 * only, for a file over its reject threshold, whose rejects are kept.
 */
export interface PartSink {
  /** `partition` is set for data parts of a table partitioned by a contract column. */
  openPart(kind: 'data' | 'rejects', index: number, partition?: Record<string, string>): Promise<PartOutput>
  discard(only?: 'data'): Promise<void>
}

/** A part as written: its key, rows and bytes, and what a data part's footer says of its columns. */
export interface PartInfo {
  key: string
  rows: number
  bytes: number
  /** Position among the parts of the same partition. */
  index: number
  /** Partition column values of this part (besides the ingest date), when partitioned. */
  partition?: Record<string, string>
  /** A data part's column statistics (nulls, min, max), from the footer its writer wrote. */
  columns?: PartColumnStats
}
