import { homeOfMark, parseExciseMark } from '../core/compaction/compaction-layout'
import { datasetOfKey, fileId } from '../core/lake/lake-layout'
import { headKey, intentExpired, ledgerPrefix, parseLedgerKey, quarantineKey, versionId, type LedgerRecord } from '../core/lake/ledger'
import type { PlanSources } from '../core/lake/plan-files'
import type { ObjectInfo, ObjectStore } from '../core/lake/object-store'

/** What the planner knows of the ledger: the files it decides on. */
export interface LedgerIndex {
  /** `<file id>--<version id>` of every committed version. */
  committed: Set<string>
  /** Committed versions whose generation is not their table's live one: to load again. */
  stale: Set<string>
  /** File ids with an intent older than any publish can run: a crashed one to finish. */
  expired: Set<string>
  /** `<file id>--<version id>` of every quarantined version. */
  quarantined: Set<string>
  /** Committed (or failed) files whose raw key is gone: their rows are retracted. */
  gone: PlanSources['gone']
  /** Homes of excise marks that outlived any Load, per dataset: the next Load compacts them. */
  excise: Record<string, string[]>
}

const emptyIndex = (): LedgerIndex => ({ committed: new Set(), stale: new Set(), expired: new Set(), quarantined: new Set(), gone: [], excise: {} })

async function readJson<T>(curated: ObjectStore, key: string): Promise<T | undefined> {
  const text = await curated.readText(key)
  return text === undefined ? undefined : (JSON.parse(text) as T)
}

/**
 * The ledger of dropped keys only, read by key: each file's head, and the quarantine record of
 * the version the raw zone holds when that version is not committed. Its cost is a few GETs a
 * key, whatever the lake holds. A crashed publish of a committed version (an expired intent) is
 * not seen here: the next sweep, which lists the ledger, finishes it.
 */
export async function ledgerOfKeys(curated: ObjectStore, present: ObjectInfo[], missing: string[], generations: Map<string, string>): Promise<LedgerIndex> {
  const index = emptyIndex()
  await Promise.all(
    present.map(async (object) => {
      const dataset = datasetOfKey(object.key)
      if (!dataset) return
      const id = fileId(object.key)
      const version = `${id}--${versionId(object.etag)}`
      const head = await readJson<LedgerRecord>(curated, headKey(dataset, id))
      if (head?.state === 'committed' && head.etag === object.etag) {
        index.committed.add(version)
        const live = generations.get(dataset)
        if (live !== undefined && live !== (head.generation ?? '')) index.stale.add(version)
        return
      }
      if ((await curated.head(quarantineKey(dataset, id, object.etag))) !== undefined) index.quarantined.add(version)
    }),
  )
  await Promise.all(
    missing.map(async (key) => {
      const dataset = datasetOfKey(key)
      if (!dataset) return
      const id = fileId(key)
      const head = await readJson<LedgerRecord>(curated, headKey(dataset, id))
      if (head && head.state !== 'retracted') index.gone.push({ key: head.key, dataset: head.dataset, fileId: head.fileId })
    }),
  )
  return index
}

/**
 * What one listing of the ledger found (of one dataset, or of the whole lake for a sweep), in a
 * form a sweep keeps for the rest of its execution (sweep-manifest.ts).
 */
export interface LedgerScan {
  /** Committed versions: file id, version id, dataset, and the generation when not the first. */
  committed: [fileId: string, version: string, dataset: string, generation?: string][]
  /** `<file id>--<version id>` of every quarantined version. */
  quarantined: string[]
  /** File ids with an expired intent or excise mark. */
  expired: string[]
  /** Homes of excise marks that outlived any Load, per dataset. */
  excise: Record<string, string[]>
  /** Index entry of each committed file id, or the quarantine record of one that only failed. */
  entries: [fileId: string, key: string][]
  /** Datasets with anything at all under `_ledger/<dataset>/` (absent in a manifest of an earlier layout). */
  datasets?: string[]
}

/** Lists the ledger once: committed and quarantined versions, expired intents and excise marks. */
export async function scanLedger(curated: ObjectStore, now: Date, dataset?: string): Promise<LedgerScan> {
  const scan: LedgerScan = { committed: [], quarantined: [], expired: [], excise: {}, entries: [] }
  const expired = new Set<string>()
  const entries = new Map<string, string>()
  const datasets = new Set<string>()
  for await (const entry of curated.list(dataset ? ledgerPrefix(dataset) : '_ledger/')) {
    const owner = entry.key.split('/')[1] ?? ''
    datasets.add(owner)
    if (entry.key.includes('/_rebuild/')) continue
    // A compaction's excise mark that outlived any Load: its file is finished again, and that
    // Load's Compact rewrites the partition without the replaced rows (compaction-layout.ts).
    const mark = parseExciseMark(entry.key)
    if (mark && intentExpired(mark.writtenAt, now)) {
      expired.add(mark.fileId)
      const home = homeOfMark(owner, entry.key)
      if (home && !scan.excise[owner]?.includes(home)) (scan.excise[owner] ??= []).push(home)
    }
    const parsed = parseLedgerKey(entry.key)
    if (parsed?.kind === 'committed') {
      scan.committed.push([parsed.fileId, parsed.version, owner, ...(parsed.generation ? [parsed.generation] : [])] as LedgerScan['committed'][number])
      // (A quarantine record listed first only stood in for an index entry.)
      entries.set(parsed.fileId, entry.key)
    }
    if (parsed?.kind === 'quarantined') {
      scan.quarantined.push(`${parsed.fileId}--${parsed.version}`)
      // A version that failed for good may have kept rejects: retracted too when its file goes.
      if (!entries.has(parsed.fileId)) entries.set(parsed.fileId, entry.key)
    }
    // A young intent of a committed file is a live publish's, or a trace of one already cleaned
    // up: only an expired one needs the file finished again.
    if (parsed?.kind === 'intent' && intentExpired(parsed.writtenAt, now)) expired.add(parsed.fileId)
  }
  scan.expired = [...expired]
  scan.entries = [...entries]
  scan.datasets = [...datasets]
  return scan
}

/**
 * The planner's view of a ledger scan: versions whose generation is not their table's live one
 * are stale, and the committed files that `objects` (the raw listing) no longer holds are gone
 * (their records read by key). A scan read back later in a sweep's execution (`fresh` false)
 * hands on no excise marks (the batch that first found them did) and finds nothing stale: a
 * generation swapped in since rewrote or rebuilt every committed file itself, and a version
 * committed into the old generation in a race is found by the next sweep's own listing.
 */
export async function indexOfScan(curated: ObjectStore, scan: LedgerScan, generations: Map<string, string>, objects: ObjectInfo[], fresh = true): Promise<LedgerIndex> {
  const index = emptyIndex()
  for (const [id, version, dataset, generation] of scan.committed) {
    index.committed.add(`${id}--${version}`)
    const live = generations.get(dataset)
    if (fresh && live !== undefined && live !== (generation ?? '')) index.stale.add(`${id}--${version}`)
  }
  for (const v of scan.quarantined) index.quarantined.add(v)
  for (const id of scan.expired) index.expired.add(id)
  if (fresh) index.excise = scan.excise
  const present = new Set(objects.map((o) => fileId(o.key)))
  for (const [id, entry] of scan.entries) {
    if (present.has(id)) continue
    const record = await readJson<LedgerRecord>(curated, entry)
    if (record) index.gone.push({ key: record.key, dataset: record.dataset, fileId: record.fileId })
  }
  return index
}
