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
 * The ledger as one listing sees it (of one dataset, or of the whole lake for a sweep): every
 * committed and quarantined version, expired intents and excise marks, and the committed files
 * that `objects` (the raw listing) no longer holds.
 */
export async function listLedger(curated: ObjectStore, now: Date, generations: Map<string, string>, objects: ObjectInfo[], dataset?: string): Promise<LedgerIndex> {
  const index = emptyIndex()
  /** Index entry of each committed file id, or the quarantine record of one that only failed. */
  const entries = new Map<string, string>()
  for await (const entry of curated.list(dataset ? ledgerPrefix(dataset) : '_ledger/')) {
    if (entry.key.includes('/_rebuild/')) continue
    // A compaction's excise mark that outlived any Load: its file is finished again, and that
    // Load rewrites the partition without the replaced rows (compaction-layout.ts).
    const mark = parseExciseMark(entry.key)
    if (mark && intentExpired(mark.writtenAt, now)) {
      index.expired.add(mark.fileId)
      const owner = entry.key.split('/')[1] ?? ''
      const home = homeOfMark(owner, entry.key)
      if (home && !index.excise[owner]?.includes(home)) (index.excise[owner] ??= []).push(home)
    }
    const parsed = parseLedgerKey(entry.key)
    if (parsed?.kind === 'committed') {
      index.committed.add(`${parsed.fileId}--${parsed.version}`)
      // (A quarantine record listed first only stood in for an index entry.)
      entries.set(parsed.fileId, entry.key)
      const live = generations.get(entry.key.split('/')[1] ?? '')
      if (live !== undefined && live !== (parsed.generation ?? '')) index.stale.add(`${parsed.fileId}--${parsed.version}`)
    }
    if (parsed?.kind === 'quarantined') {
      index.quarantined.add(`${parsed.fileId}--${parsed.version}`)
      // A version that failed for good may have kept rejects: retracted too when its file goes.
      if (!entries.has(parsed.fileId)) entries.set(parsed.fileId, entry.key)
    }
    // A young intent of a committed file is a live publish's, or a trace of one already cleaned
    // up: only an expired one needs the file finished again.
    if (parsed?.kind === 'intent' && intentExpired(parsed.writtenAt, now)) index.expired.add(parsed.fileId)
  }
  const present = new Set(objects.map((o) => fileId(o.key)))
  for (const [id, entry] of entries) {
    if (present.has(id)) continue
    const record = await readJson<LedgerRecord>(curated, entry)
    if (record) index.gone.push({ key: record.key, dataset: record.dataset, fileId: record.fileId })
  }
  return index
}
