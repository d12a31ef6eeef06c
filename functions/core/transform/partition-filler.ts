import type { RecordBatch } from '../csv/scan-records'
import type { Reject } from '../csv/reject'
import type { PartitionBuilders } from '../parquet/partition-builders'
import type { RecordCoercer } from '../parquet/record-coercer'
import { MAX_KEPT_BYTES, MAX_KEPT_ENTRIES } from '../parquet/scatter-rows'

/**
 * Fills the partitions of a table partitioned by a contract column from record batches. A
 * batch is coerced in stretches into the coercer's builders (staging, column by column through
 * the byte fast paths); after each stretch its accepted rows move to their partitions'
 * builders, each with its record's CSV bytes, and the staging builders are reset. A stretch
 * holds at most the room left under the partitions' memory bound (one record at least), so the
 * rows held never pass the bound by more than one record, and at most a row group's rows.
 * Rejected records go to `onReject`.
 */
export class PartitionFiller {
  private readonly rejected: { record: number; reject: Reject }[] = []
  private rowBytes = new Float64Array(1024)

  constructor(
    private readonly coercer: RecordCoercer,
    private readonly partitions: PartitionBuilders,
    private readonly onReject: (reject: Reject) => Promise<void> | void,
  ) {}

  /** Coerces the batch's records from `first` on; returns how many were read. */
  async add(batch: RecordBatch, first: number): Promise<number> {
    const coercer = this.coercer
    if (this.rowBytes.length < batch.count) this.rowBytes = new Float64Array(Math.max(batch.count, 2 * this.rowBytes.length))
    const rowBytes = this.rowBytes
    for (let from = first; from < batch.count; ) {
      const room = this.partitions.room
      const last = Math.min(batch.count, from + this.partitions.maxRows)
      let to = from
      let bytes = 0
      do {
        bytes += batch.end[to] - batch.start[to]
        to += 1
      } while (to < last && bytes < room)
      coercer.coerceRange(batch, from, to, this.rejected)
      let rows = 0
      let next = 0
      for (let r = from; r < to; r++) {
        if (next < this.rejected.length && this.rejected[next].record === r) {
          next += 1
          continue
        }
        rowBytes[rows++] = batch.end[r] - batch.start[r]
      }
      for (const { reject } of this.rejected) await this.onReject(reject)
      this.rejected.length = 0
      await this.partitions.take(coercer.builders, rows, rowBytes)
      coercer.resetStretch(MAX_KEPT_ENTRIES, MAX_KEPT_BYTES)
      from = to
    }
    return Math.max(0, batch.count - first)
  }
}
