import type { RejectCode } from './read-csv-records'

/** One row that could not be loaded. */
export interface Reject {
  line: number
  /** The record's text as it was in the file, without its final line break. */
  record: string
  code: RejectCode
  message: string
  column: string | null
}

/** The record text without the line break that ended it. */
export function recordText(raw: string): string {
  return raw.replace(/(?:\r\n|\n|\r)$/, '')
}
