/**
 * Quarantine: a file version that failed for a reason a retry cannot change (its bytes are not
 * CSV, too many of its rows are rejected, it breaks its contract) is set aside instead of
 * failing again at every sweep. A record per file version, `_ledger/<dataset>/<file id>--<version
 * id>.quarantined.json`, tells the planner to leave that version alone; a new version of the
 * file, or `sluice retry <key>` (which removes the record), lets it be planned again.
 */

/**
 * Errors that depend on the file's bytes alone. A contract that is itself invalid
 * (ContractInvalidError) is fixed in the contract, and the next run must see the fix; timeouts,
 * storage and Lambda errors are worth another try.
 */
const PERMANENT_ERRORS = new Set(['RejectThresholdError', 'BinaryInputError', 'EncodingError', 'CsvFormatError', 'ContractViolationError'])

/** Whether a file that failed with this error name is quarantined rather than retried. */
export const isQuarantined = (errorName: string) => PERMANENT_ERRORS.has(errorName)

/** What the ledger keeps of a quarantined file version. */
export interface QuarantineRecord {
  key: string
  dataset: string
  fileId: string
  etag: string
  runId: string
  quarantinedAt: string
  /** The error name and message, as the run report gives them. */
  reason: string
  rowsIn: number
  rowsRejected: number
}

/** What an error message tells of a failed file: its rows, and the field counts of a column-count failure. */
export interface FailureFacts {
  rowsIn: number
  rowsRejected: number
  /** `expected N fields, found M`, when the message names them. */
  fieldCounts?: { expected: number; found: number }
}

/**
 * Reads the counts a failure message carries: `rejects: 4 of 10 rows … were rejected` gives 10
 * rows in and 4 rejected; `expected 7 fields, found 4` the field counts.
 */
export function failureFacts(message: string): FailureFacts {
  const rows = /(\d+) of (\d+) rows? .*?(?:were )?rejected/.exec(message)
  const fields = /expected (\d+) fields?, found (\d+)/.exec(message)
  return {
    rowsIn: rows ? Number(rows[2]) : 0,
    rowsRejected: rows ? Number(rows[1]) : 0,
    ...(fields ? { fieldCounts: { expected: Number(fields[1]), found: Number(fields[2]) } } : {}),
  }
}
