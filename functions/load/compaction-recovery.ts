import { claimExpired, compactionRecordKey, homeOf, sharersOf, type CompactionRecord, type HeadParts, type PartitionLayout } from '../core/compaction/compaction-layout'
import { WriteConflictError } from '../core/errors'
import { headKey, type LedgerRecord } from '../core/lake/ledger'
import type { ObjectStore } from '../core/lake/object-store'
import type { Catalog } from '../core/lake/catalog'
import { markExcise, readLayout, readRecord, swapLayout, unclaimed, type ReadLayout } from './partition-layout'

export interface CompactionDeps {
  curated: ObjectStore
  catalog: Catalog
  database: string
}

/** How long a publish waits for a compaction of its partition before it gives up (and is retried). */
const PUBLISH_WAIT_MS = 60_000
const POLL_MS = 100
const MAX_ATTEMPTS = 50

/**
 * The current layouts of the partitions a publish writes into, read while none is claimed: a
 * publish never writes into a folder a compaction is moving away from. It waits for a claim to
 * end, ends a claim left by a crashed compaction (older than CLAIM_EXPIRY_MS), and throws
 * WriteConflictError when a live one outlasts the wait (the workflow retries the Load).
 */
export async function layoutsForPublish(deps: CompactionDeps, dataset: string, homes: string[], now: Date): Promise<Map<string, ReadLayout>> {
  const started = Date.now()
  const layouts = new Map<string, ReadLayout>()
  for (const home of homes) {
    for (;;) {
      const read = await readLayout(deps.curated, dataset, home)
      const claim = read.layout.claim
      if (!claim) {
        layouts.set(home, read)
        break
      }
      const waited = Date.now() - started
      if (claimExpired(claim, new Date(now.getTime() + waited))) await recoverPartition(deps, dataset, home, new Date(now.getTime() + waited))
      else if (waited > PUBLISH_WAIT_MS) throw new WriteConflictError(`compaction: partition ${home} stayed claimed by compaction ${claim.cid} for ${Math.round(waited / 1000)} s`)
      else await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }
  return layouts
}

/**
 * Ends the claim of a crashed compaction: forward when it had already switched the catalog (its
 * new folder is what readers see), else back (heads restored, the new folder removed). Then
 * settles a record a finished or undone compaction left.
 */
export async function recoverPartition(deps: CompactionDeps, dataset: string, home: string, now: Date): Promise<void> {
  const read = await readLayout(deps.curated, dataset, home)
  const claim = read.layout.claim
  const record = await readRecord(deps.curated, dataset, home)
  if (claim && claimExpired(claim, now)) {
    if (record?.cid === claim.cid && (await catalogLocation(deps, record)) === deps.curated.location(record.to)) {
      await swapLayout(deps.curated, dataset, read, { home, location: record.to, sharers: sharersOf(record) })
    } else if (record?.cid === claim.cid) {
      await rollBack(deps, record)
      return
    } else {
      await deleteFolder(deps.curated, claim.next)
      await swapLayout(deps.curated, dataset, read, unclaimed(read.layout))
      return
    }
  }
  if (record) await settleRecord(deps, record)
}

/** Cleans up after a compaction no longer claimed: the old folder if it switched, the new one if it did not. */
export async function settleRecord(deps: CompactionDeps, record: CompactionRecord): Promise<void> {
  const { layout } = await readLayout(deps.curated, record.dataset, record.home)
  if (layout.claim?.cid === record.cid) return
  if (layout.location === record.to) {
    await deps.curated.delete([...record.removes, ...record.marks])
  } else {
    await deleteFolder(deps.curated, record.to)
  }
  await deps.curated.delete([compactionRecordKey(record.dataset, record.home)])
}

/**
 * Undoes a compaction that did not switch: every head it remapped gets its old parts back; a
 * head changed meanwhile (a retraction) no longer owns its old parts, which are removed, and its
 * rows in shared parts are marked for excision. Then the new folder goes and the claim ends.
 */
export async function rollBack(deps: CompactionDeps, record: CompactionRecord): Promise<void> {
  const { curated } = deps
  for (const member of record.members) {
    const restored = await swapHeadParts(curated, record.dataset, member.fileId, member.publishId, member.after, member.before)
    if (restored === 'changed') {
      const now = await curated.readText(headKey(record.dataset, member.fileId))
      const owned = new Set((now ? (JSON.parse(now) as LedgerRecord).outputs : []))
      await curated.delete(member.before.outputs.filter((k) => homeOf(k) === record.home && !owned.has(k)))
      await markExcise(curated, record.dataset, member.fileId, member.before.shared, new Date())
    }
  }
  await deleteFolder(curated, record.to)
  const read = await readLayout(curated, record.dataset, record.home)
  if (read.layout.claim?.cid === record.cid) await swapLayout(curated, record.dataset, read, unclaimed(read.layout))
  await curated.delete([compactionRecordKey(record.dataset, record.home)])
}

/**
 * Swaps a head's parts from `from` to `to` by compare-and-swap, while the head is still the same
 * committed publish: `swapped`, `already` (it has `to`), or `changed` (another version, a
 * retraction, or parts it never had).
 */
export async function swapHeadParts(curated: ObjectStore, dataset: string, fileId: string, publishId: string, from: HeadParts, to: HeadParts): Promise<'swapped' | 'already' | 'changed'> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const read = await curated.readVersioned(headKey(dataset, fileId))
    const head = read ? (JSON.parse(read.text) as LedgerRecord) : undefined
    if (!read || !head || head.state !== 'committed' || head.publishId !== publishId) return 'changed'
    if (sameParts(head, to)) return 'already'
    if (!sameParts(head, from)) return 'changed'
    const next: LedgerRecord = { ...head, outputs: to.outputs, ...(to.shared.length > 0 ? { shared: to.shared } : {}) }
    if (to.shared.length === 0) delete next.shared
    try {
      await curated.writeText(headKey(dataset, fileId), JSON.stringify(next), { ifMatch: read.etag })
      return 'swapped'
    } catch (error) {
      if (!(error instanceof WriteConflictError)) throw error
    }
  }
  throw new WriteConflictError(`compaction: remapping the head of ${fileId} lost ${MAX_ATTEMPTS} races in a row`)
}

const sameParts = (head: LedgerRecord, parts: HeadParts) =>
  JSON.stringify(head.outputs) === JSON.stringify(parts.outputs) && JSON.stringify(head.shared ?? []) === JSON.stringify(parts.shared)

async function catalogLocation(deps: CompactionDeps, record: CompactionRecord): Promise<string | undefined> {
  const partitions = await deps.catalog.listPartitions(deps.database, record.table)
  return partitions.find((p) => JSON.stringify(p.Values) === JSON.stringify(record.values))?.StorageDescriptor.Location.replace(/\/?$/, '/')
}

export async function deleteFolder(curated: ObjectStore, folder: string): Promise<void> {
  const keys: string[] = []
  for await (const o of curated.list(folder)) keys.push(o.key)
  await curated.delete(keys)
}

export type { PartitionLayout }
