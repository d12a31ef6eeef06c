import type { RecordBatch } from '../csv/scan-records'
import type { Reject } from '../csv/reject'
import type { RecordCoercer } from '../parquet/record-coercer'

/** When a row group closes: at this many CSV bytes of accepted records, or this many rows. */
export interface GroupLimits {
  groupBytes: number
  maxRows: number
}

/**
 * Fills row groups from record batches. A group closes (`flush`) right after the record that
 * brings its accepted records' CSV bytes to `groupBytes` or its rows to `maxRows`, exactly as
 * coercing record by record would; rejected records count for neither. Between closes, the
 * coercer takes whole stretches of records at once (column by column).
 */
export class RowGroupFiller {
  private bytes = 0
  private readonly rejected: { record: number; reject: Reject }[] = []

  constructor(
    private readonly coercer: RecordCoercer,
    private readonly limits: GroupLimits,
    private readonly flush: () => Promise<void>,
    private readonly onReject: (reject: Reject) => Promise<void> | void,
  ) {}

  /** Coerces the batch's records from `first` on; returns how many were read. */
  async add(batch: RecordBatch, first: number): Promise<number> {
    const { groupBytes, maxRows } = this.limits
    let r = first
    while (r < batch.count) {
      // The records that fill the group if every one is accepted.
      let k = r
      let bytes = this.bytes
      let rows = this.coercer.rows
      do {
        bytes += batch.end[k] - batch.start[k]
        rows += 1
        k += 1
      } while (k < batch.count && bytes < groupBytes && rows < maxRows)
      this.coercer.coerceRange(batch, r, k, this.rejected)
      for (const { record, reject } of this.rejected) {
        bytes -= batch.end[record] - batch.start[record]
        await this.onReject(reject)
      }
      this.rejected.length = 0
      this.bytes = bytes
      r = k
      if (this.bytes >= groupBytes || this.coercer.rows >= maxRows) {
        await this.flush()
        this.bytes = 0
      }
    }
    return batch.count - first
  }
}
