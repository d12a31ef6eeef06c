import { createHash } from 'node:crypto'

/**
 * The ledger records which version of each raw file is in the curated zone and which curated
 * objects hold its rows. Per raw file (`<file id>`, a hash of its key), under `_ledger/<dataset>/`:
 *
 * - `<file id>.json`, the head: the one record that decides. It changes only by
 *   compare-and-swap (S3 `If-Match`/`If-None-Match`, a lock locally), so among concurrent
 *   executions exactly one commit of a file wins at a time, and it is always the version the
 *   raw zone holds when it commits.
 * - `<file id>--<version id>.json`, a copy of a committed head: the index the planner lists, so
 *   one listing tells what is loaded without reading a record.
 * - `<file id>.<publish id>.<seconds>.pending.json`, an intent: written before a publish copies
 *   any part, naming the parts it will write, so what a crash or a lost race leaves can be found
 *   and removed. The planner treats a file with an intent as unfinished, unless the file is
 *   committed and the intent is younger than a publish can run (it is then a live publish's,
 *   or a trace left to be dropped once it is old).
 * - `<file id>--<version id>.quarantined.json`, a quarantined version (see quarantine.ts): it
 *   failed for a reason a retry cannot change, and is not planned again until the file changes
 *   or `sluice retry` removes the record.
 */

/**
 * What the head says of a raw file: its rows are loaded; or were retracted after a delete; or
 * its version failed for good (quarantine.ts), and only its rejects are in the curated zone.
 */
export interface LedgerRecord {
  key: string
  dataset: string
  fileId: string
  state: 'committed' | 'retracted' | 'failed'
  /** Why a `failed` version failed: the error name and message. */
  reason?: string
  /** Source version (ETag); empty once retracted. */
  etag: string
  /** Which publish wrote `outputs`; parts are named after it. */
  publishId: string
  runId: string
  committedAt: string
  /** Curated keys holding this version's rows and rejects. */
  outputs: string[]
  /** Keys of the version this one replaced, removed after the commit (again after a crash). */
  replaced: string[]
  /**
   * The partition homes of the version this one replaced (its parts, its compacted parts), kept
   * once `replaced` is settled: where that version's rows may still sit in an Iceberg table's
   * merged files until a snapshot cuts them out. Absent when it replaced none.
   */
  formerHomes?: string[]
  rowsIn: number
  rowsOut: number
  rowsRejected: number
  /** The generation of the table its parts belong to (generation.ts); absent for the first. */
  generation?: string
  /**
   * Compacted parts holding this version's rows among other files' (compaction-layout.ts): its
   * rows there are those whose `_sluice_source` is `key`. Never in `outputs` or `replaced`, so
   * a replacement or retraction never deletes them; it marks them for excision instead.
   */
  shared?: string[]
}

/** What a publish in progress may have written. */
export interface PublishIntent {
  key: string
  etag: string
  runId: string
  publishId: string
  outputs: string[]
  /** When the publish began (ISO). An intent of a live publish is never old. */
  writtenAt: string
  /** The table generation it publishes into; absent for the first. */
  generation?: string
}

/** Short id of a source version (an ETag can hold characters unfit for a key). */
export const versionId = (etag: string) => createHash('sha256').update(etag).digest('hex').slice(0, 16)

/**
 * Id of one publish of a file version by one execution into one table generation: the same on a
 * retry of that execution's Load (so a retry overwrites its own parts), different for any other
 * execution, and for the same execution loading the file again into a newer generation.
 */
export const publishIdOf = (runId: string, etag: string, generation = '') =>
  createHash('sha256').update(`${runId}\n${etag}${generation ? `\n${generation}` : ''}`).digest('hex').slice(0, 12)

export const ledgerPrefix = (dataset: string) => `_ledger/${dataset}/`
export const headKey = (dataset: string, fileId: string) => `${ledgerPrefix(dataset)}${fileId}.json`
/** Index entry of a committed version; one committed into a generation of a rebuilt table names it. */
export const committedKey = (dataset: string, fileId: string, etag: string, generation = '') =>
  `${ledgerPrefix(dataset)}${fileId}--${versionId(etag)}${generation ? `.g${generation}` : ''}.json`
export const intentKey = (dataset: string, fileId: string, publishId: string, writtenAt: Date) =>
  `${ledgerPrefix(dataset)}${fileId}.${publishId}.${Math.floor(writtenAt.getTime() / 1000)}.pending.json`

export const quarantineKey = (dataset: string, fileId: string, etag: string) => `${ledgerPrefix(dataset)}${fileId}--${versionId(etag)}.quarantined.json`

export type LedgerEntry =
  | { kind: 'head'; fileId: string }
  /** `generation` only for a version committed into a rebuilt table's generation. */
  | { kind: 'committed'; fileId: string; version: string; generation?: string }
  | { kind: 'quarantined'; fileId: string; version: string }
  /** `writtenAt` in ms since the epoch; 0 for an intent of the earlier layout. */
  | { kind: 'intent'; fileId: string; publishId: string; writtenAt: number }

/** Parses a ledger listing entry: a head, a committed version, an intent, or neither. */
export function parseLedgerKey(key: string): LedgerEntry | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1)
  const committed = /^([0-9a-f]+)--([0-9a-f]+)(?:\.g([0-9a-f]+))?\.json$/.exec(name)
  if (committed) return { kind: 'committed', fileId: committed[1], version: committed[2], ...(committed[3] ? { generation: committed[3] } : {}) }
  const quarantined = /^([0-9a-f]+)--([0-9a-f]+)\.quarantined\.json$/.exec(name)
  if (quarantined) return { kind: 'quarantined', fileId: quarantined[1], version: quarantined[2] }
  const head = /^([0-9a-f]+)\.json$/.exec(name)
  if (head) return { kind: 'head', fileId: head[1] }
  const intent = /^([0-9a-f]+)\.([0-9a-f]+)\.(\d+)\.pending\.json$/.exec(name)
  if (intent) return { kind: 'intent', fileId: intent[1], publishId: intent[2], writtenAt: Number(intent[3]) * 1000 }
  // `<file id>.pending.json` is the intent of an earlier layout.
  const legacy = /^([0-9a-f]+)\.pending\.json$/.exec(name)
  return legacy ? { kind: 'intent', fileId: legacy[1], publishId: '', writtenAt: 0 } : undefined
}

/** Age after which an intent can only be a crashed publish's: a Lambda runs 15 minutes at most. */
export const INTENT_EXPIRY_MS = 60 * 60 * 1000

/**
 * What to do with another publish's intent once a commit of the file has landed:
 * - `keep`: a publish of the version the raw zone now holds, newer than the committed one (or
 *   the same version into another table generation, while it may still be running); it commits
 *   or cleans up after itself.
 * - `clean`: its parts can never be committed (same version and generation as the one
 *   committed, or a version the raw zone no longer holds), so they are removed now; the intent
 *   itself stays while its publish may still be running, so that one crashing later leaves a trace.
 * - `drop`: as clean, and the intent too: it is older than any publish can run.
 */
export function intentFate(
  intent: PublishIntent,
  committedEtag: string | undefined,
  rawEtag: string | undefined,
  now: Date,
  committedGeneration = '',
): 'keep' | 'clean' | 'drop' {
  const expired = intentExpired(Date.parse(intent.writtenAt), now)
  const otherGeneration = intent.etag === committedEtag && (intent.generation ?? '') !== committedGeneration
  if (intent.etag === rawEtag && (intent.etag !== committedEtag || (otherGeneration && !expired))) return 'keep'
  return expired ? 'drop' : 'clean'
}

/** Whether an intent written then (ms; NaN or 0 when unknown) can only be a dead publish's. */
export const intentExpired = (writtenAt: number, now: Date) => !(writtenAt > 0) || now.getTime() - writtenAt > INTENT_EXPIRY_MS
