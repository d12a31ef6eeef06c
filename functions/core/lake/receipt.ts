import { ledgerPrefix } from './ledger'
import type { FileReport } from './run-report'

/**
 * A receipt tells whoever dropped a raw file what became of it: a JSON object in the curated
 * zone next to the file's ledger head (`_ledger/<dataset>/<file id>.receipt.json`), and object
 * tags on the raw object itself, where the uploader looks. Written by Load for each file it
 * settled: loaded, empty, failed, quarantined, or retracted (the raw object is gone then, so a
 * retraction has the JSON only).
 */
export interface Receipt {
  key: string
  dataset: string
  /** The raw version the receipt is about; empty for a retraction. */
  etag: string
  status: ReceiptStatus
  runId: string
  /** When Load settled the file (ISO). */
  at: string
  rowsIn: number
  rowsLoaded: number
  rowsRejected: number
  rowsRetracted?: number
  /** Why it failed or was quarantined: the error name and message. */
  reason?: string
  note?: string
  warnings: string[]
  /** SQL (Athena and local) selecting the file's rows and its rejects. */
  queries?: { rows?: string; rejects: string }
}

export type ReceiptStatus = 'loaded' | 'empty' | 'failed' | 'quarantined' | 'retracted'

const STATUSES = new Set<string>(['loaded', 'empty', 'failed', 'quarantined', 'retracted'])

export const receiptKey = (dataset: string, fileId: string) => `${ledgerPrefix(dataset)}${fileId}.receipt.json`

/**
 * The receipt of a file's report, or undefined when the report settles nothing of the file: a
 * version skipped or superseded belongs to the run that loads the other version, which writes
 * its receipt.
 */
export function receiptOf(report: FileReport, runId: string, at: Date): Receipt | undefined {
  if (!STATUSES.has(report.outcome)) return undefined
  return {
    key: report.key, dataset: report.dataset, etag: report.etag, status: report.outcome as ReceiptStatus, runId, at: at.toISOString(),
    rowsIn: report.rowsIn, rowsLoaded: report.rowsOut, rowsRejected: report.rowsRejected,
    ...(report.rowsRetracted !== undefined ? { rowsRetracted: report.rowsRetracted } : {}),
    ...(report.reason ? { reason: report.reason } : {}),
    ...(report.note ? { note: report.note } : {}),
    warnings: report.warnings ?? [],
    ...(report.queries ? { queries: report.queries } : {}),
  }
}

/** Prefix of the tags sluice owns on a raw object; others are the uploader's and stay. */
export const TAG_PREFIX = 'sluice-'
/** S3 allows 10 tags per object, keys of 128 and values of 256 characters. */
export const MAX_TAGS = 10
const MAX_VALUE = 256

/**
 * The receipt as S3 object tags, most important first (when the uploader's own tags leave
 * room for fewer, the last ones are left off). Values keep to S3's tag character set.
 */
export function receiptTags(receipt: Receipt): [string, string][] {
  const tags: [string, string][] = [
    [`${TAG_PREFIX}status`, receipt.status],
    [`${TAG_PREFIX}rows-loaded`, String(receipt.rowsLoaded)],
    [`${TAG_PREFIX}rows-rejected`, String(receipt.rowsRejected)],
    [`${TAG_PREFIX}run`, receipt.runId],
    [`${TAG_PREFIX}version`, receipt.etag],
  ]
  return tags.map(([k, v]) => [k, tagValue(v)])
}

/**
 * A text as an S3 tag value: letters, digits, spaces and `+ - = . _ : / @` are kept, anything
 * else becomes `_`, cut at 256 characters.
 */
export function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, '_').slice(0, MAX_VALUE)
}

/**
 * The tag set to put on a raw object: the uploader's tags as they are, then ours (replacing
 * any earlier receipt's), as many as fit in S3's ten.
 */
export function mergeTags(existing: [string, string][], ours: [string, string][]): [string, string][] {
  const theirs = existing.filter(([k]) => !k.startsWith(TAG_PREFIX))
  return [...theirs, ...ours.slice(0, Math.max(0, MAX_TAGS - theirs.length))]
}
