import type { RejectSample } from './site-summary'

/**
 * Whether the status site may show the text of a dataset's rejected records: only when the
 * deployment allows it (`sluice:siteRecordText`, SITE_RECORD_TEXT, SLUICE_SITE_RECORD_TEXT) and
 * the dataset's contract says `"site": { "recordText": true }`. Rejected rows are raw data and
 * may carry personal data; by default a reject shows its file, line, column and error only.
 */
export function recordTextShown(deployment: boolean | undefined, contract: { site?: { recordText: boolean } } | undefined): boolean {
  return deployment === true && contract?.site?.recordText === true
}

/** A value a reject's message quotes: a JSON string, as the coercers and csv-parse write them. */
const QUOTED_VALUE = /"(?:[^"\\]|\\.)*"/g

/**
 * The sample without its record's text: no `record`, and each value its message quotes
 * replaced by `"…"` (`type: "4O" is not a int` becomes `type: "…" is not a int`). Idempotent.
 */
export function withoutRecordText(sample: RejectSample): RejectSample {
  const { record: _record, ...rest } = sample
  return { ...rest, errorMessage: sample.errorMessage.replace(QUOTED_VALUE, '"…"') }
}
