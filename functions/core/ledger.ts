import { createHash } from 'node:crypto'

/**
 * The ledger records which version of each raw file is committed to the curated zone and
 * which curated objects hold its rows. One object per committed version,
 * `_ledger/<dataset>/<file id>--<version id>.json`, so a single listing tells the planner
 * what is committed without reading any record. An unfinished publish leaves an intent,
 * `_ledger/<dataset>/<file id>.pending.json`, naming the objects it may have written.
 */

export interface LedgerRecord {
  key: string
  dataset: string
  fileId: string
  etag: string
  runId: string
  committedAt: string
  /** Curated keys holding this version's rows and rejects. */
  outputs: string[]
  rowsIn: number
  rowsOut: number
  rowsRejected: number
}

/** What a publish in progress may have written, and what it will remove. */
export interface PublishIntent {
  key: string
  etag: string
  runId: string
  outputs: string[]
  stale: string[]
}

/** Short id of a source version (an ETag can hold characters unfit for a key). */
export const versionId = (etag: string) => createHash('sha256').update(etag).digest('hex').slice(0, 16)

export const ledgerPrefix = (dataset: string) => `_ledger/${dataset}/`
export const committedKey = (dataset: string, fileId: string, etag: string) => `${ledgerPrefix(dataset)}${fileId}--${versionId(etag)}.json`
export const intentKey = (dataset: string, fileId: string) => `${ledgerPrefix(dataset)}${fileId}.pending.json`

/** Parses a ledger listing entry: a committed version, an intent, or neither. */
export function parseLedgerKey(key: string): { kind: 'committed'; fileId: string; version: string } | { kind: 'intent'; fileId: string } | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1)
  const committed = /^([0-9a-f]+)--([0-9a-f]+)\.json$/.exec(name)
  if (committed) return { kind: 'committed', fileId: committed[1], version: committed[2] }
  const intent = /^([0-9a-f]+)\.pending\.json$/.exec(name)
  return intent ? { kind: 'intent', fileId: intent[1] } : undefined
}
