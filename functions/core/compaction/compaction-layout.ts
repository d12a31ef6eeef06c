import { ledgerPrefix } from '../lake/ledger'
import { compactedFolder, folderOf, homeOf } from '../lake/partition-folders'

export { compactedFolder, folderOf, homeOf }

/**
 * Compaction moves a partition from one folder to another: readers see a partition only through
 * its catalog location, so the new folder, complete, replaces the old one in a single catalog
 * write, and no reader ever lists a half-compacted folder.
 *
 * - The home of a partition is where loads first put it: `<table>/<k>=<v>/…/`.
 * - A compaction `<cid>` writes `<table>/compacted/<cid>/<k>=<v>/…/` (never inside the home, as
 *   Athena reads a location recursively; `compacted` never is a partition segment, which has `=`).
 * - The layout, `_ledger/<dataset>/_partitions/<home>layout.json`, is the partition's current
 *   folder and the claim of a compaction in progress, changed only by compare-and-swap. Loads
 *   publish into its folder, and wait while it is claimed.
 * - The record, `…/<home>compaction.json`, names what a compaction in progress changes (heads
 *   before and after, the keys it removes once switched), so that a crash at any step is undone,
 *   or finished, by whoever finds the claim expired.
 * - An excise mark, `…/<home>excise-<file id>-<seconds>-<nonce>.json`: a commit replaced or retracted a file that has rows in
 *   compacted parts here; the next compaction of the partition rewrites them without those rows.
 */
export interface PartitionLayout {
  /** The home folder (curated key prefix ending with `/`). */
  home: string
  /** The current folder; the home until a compaction moves it. */
  location: string
  claim?: LayoutClaim
  /**
   * File ids whose heads name merged parts in `location` (set by the compaction that made it):
   * with the file ids in the names of the other parts, the only heads a compaction reads.
   */
  sharers?: string[]
}

/** A compaction in progress. */
export interface LayoutClaim {
  cid: string
  /** The folder it is building. */
  next: string
  /** When it was claimed (ISO). */
  at: string
}

/** A claim older than any compaction can run (a Lambda runs 15 minutes at most) is a crashed one's. */
export const CLAIM_EXPIRY_MS = 15 * 60 * 1000

export const claimExpired = (claim: LayoutClaim, now: Date) => !(now.getTime() - Date.parse(claim.at) <= CLAIM_EXPIRY_MS)

const PARTITIONS = '_partitions/'
export const layoutKey = (dataset: string, home: string) => `${ledgerPrefix(dataset)}${PARTITIONS}${home}layout.json`
export const compactionRecordKey = (dataset: string, home: string) => `${ledgerPrefix(dataset)}${PARTITIONS}${home}compaction.json`
/** An excise mark: the file whose old rows must go, when (seconds), and a nonce. */
export const exciseKey = (dataset: string, home: string, fileId: string, at: Date, nonce: string) =>
  `${ledgerPrefix(dataset)}${PARTITIONS}${home}excise-${fileId}-${Math.floor(at.getTime() / 1000)}-${nonce}.json`

/**
 * An in-flight marker: a publish (or a widening's rewrite) of file `fileId` is about to write
 * parts into `home`; it holds the key of the publish's intent. Written before the intent, at
 * every attempt, so a compaction that lists its home's folder after claiming it sees every
 * publish that could still write there without the layout's claim stopping it.
 */
export const inflightKey = (dataset: string, home: string, fileId: string, publishId: string) =>
  `${ledgerPrefix(dataset)}${PARTITIONS}${home}inflight-${fileId}-${publishId}.json`

export const isInflightMarker = (key: string) => /\/inflight-[0-9a-f]+-[0-9a-f]+\.json$/.test(key)

/** The file and time (ms) of an excise mark, or undefined for another key. */
export function parseExciseMark(key: string): { fileId: string; writtenAt: number } | undefined {
  const m = /\/excise-([0-9a-f]+)-(\d+)-[0-9a-z]+\.json$/.exec(key)
  return m ? { fileId: m[1]!, writtenAt: Number(m[2]) * 1000 } : undefined
}
/** Prefix of a dataset's partition layouts and marks. */
export const partitionsPrefix = (dataset: string) => `${ledgerPrefix(dataset)}${PARTITIONS}`

/** The file ids with merged parts in the folder a compaction switched to. */
export const sharersOf = (record: CompactionRecord): string[] =>
  record.members.filter((m) => m.after.shared.some((k) => folderOf(k) === record.to)).map((m) => m.fileId)

/** The file id in the name of a published part (`<file id>-<publish id>-<n>.parquet`), kept by its copies. */
export const fileIdOfPart = (key: string) => /^([0-9a-f]{20})-[0-9a-f]{12}-\d{5}\.parquet$/.exec(key.slice(key.lastIndexOf('/') + 1))?.[1]

/** The home folder a layout, record or mark key belongs to. */
export function homeOfMark(dataset: string, key: string): string | undefined {
  const prefix = partitionsPrefix(dataset)
  const m = /^(.*\/)(layout|compaction|excise-[0-9a-z-]+)\.json$/.exec(key.startsWith(prefix) ? key.slice(prefix.length) : '')
  return m?.[1]
}

/** Whether a key under a dataset's partitions prefix is an excise mark. */
export const isExciseMark = (key: string) => /\/excise-[0-9a-z-]+\.json$/.test(key)

/** The compaction record: what a compaction in progress changes. */
export interface CompactionRecord {
  cid: string
  dataset: string
  table: string
  home: string
  values: string[]
  from: string
  to: string
  members: RemappedHead[]
  /** Keys of the old folder, removed once the partition is switched. */
  removes: string[]
  /** Excise marks this compaction settles. */
  marks: string[]
}

/** A ledger head's outputs and shared parts before and after a compaction. */
export interface RemappedHead {
  fileId: string
  key: string
  publishId: string
  before: HeadParts
  after: HeadParts
}

export interface HeadParts {
  outputs: string[]
  shared: string[]
}

/** The layout of a partition no compaction has moved. */
export const homeLayout = (home: string): PartitionLayout => ({ home, location: home })

/** Whether a partition home of `table` lies in table generation `generation` ('' for the first). */
export function homeInGeneration(home: string, table: string, generation: string): boolean {
  return generation ? home.startsWith(`${table}/gen=${generation}/`) : !home.slice(table.length + 1).startsWith('gen=')
}
