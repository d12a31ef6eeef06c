import { SluiceError } from '../errors'
import type { PartInfo } from '../parquet/part-sink'

/**
 * More rows were rejected than the reject threshold allows: none of the file's rows are
 * loaded. Its rejects are kept (`rejectParts`, written before the error is thrown), so that
 * the rejects table shows every bad line of the failed file.
 */
export class RejectThresholdError extends SluiceError {
  constructor(
    message: string,
    readonly rowsIn: number,
    readonly rowsRejected: number,
    readonly threshold: number,
    readonly rejectParts: PartInfo[] = [],
    readonly rejectCodes: Record<string, number> = {},
  ) {
    super(message)
  }
}
