import { WriteConflictError } from '../core/errors'
import { randomBytes } from 'node:crypto'
import {
  claimExpired, compactedFolder, compactionRecordKey, fileIdOfPart, folderOf, homeOf, isExciseMark, isInflightMarker, partitionsPrefix, sharersOf,
  type CompactionRecord, type HeadParts, type RemappedHead,
} from '../core/compaction/compaction-layout'
import { mergeGroups, type CompactionSettings } from '../core/compaction/merge-plan'
import { headKey, intentExpired, parseLedgerKey, type LedgerRecord, type PublishIntent } from '../core/lake/ledger'
import { mergeParts, partSchema } from '../core/parquet/merge-parts'
import type { ObjectInfo, ObjectStore } from '../core/lake/object-store'
import { deleteFolder, recoverPartition, rollBack, settleRecord, swapHeadParts, type CompactionDeps } from './compaction-recovery'
import { readLayout, readRecord, swapLayout, unclaimed } from './partition-layout'

/** What compacting one partition came to. */
export interface CompactionOutcome {
  table: string
  home: string
  /** `busy`: claimed by another compaction, or a publish is in flight, or parts no head owns. */
  outcome: 'compacted' | 'nothing' | 'busy'
  partsBefore: number
  partsAfter: number
  note?: string
}

/**
 * Compacts one partition, by the same rules as a load: a compare-and-swap claim on its layout
 * (one compaction at a time; publishes wait), a record of every change before any is made, new
 * parts in a new folder, the ledger heads remapped by compare-and-swap, then one catalog write
 * switching readers to the new folder, and only then the old folder removed. A crash at any step
 * is undone (or, once switched, finished) by the next compaction or publish that finds the claim
 * expired; see compaction-layout.ts and docs/compaction.md.
 */
export async function compactPartition(deps: CompactionDeps, dataset: string, home: string, settings: CompactionSettings, clock: () => Date): Promise<CompactionOutcome> {
  const { curated } = deps
  const table = home.split('/')[0]!
  const result = (outcome: CompactionOutcome['outcome'], partsBefore = 0, partsAfter = partsBefore, note?: string): CompactionOutcome =>
    ({ table, home, outcome, partsBefore, partsAfter, ...(note ? { note } : {}) })
  let read = await readLayout(curated, dataset, home)
  if (read.layout.claim && !claimExpired(read.layout.claim, clock())) return result('busy', 0, 0, `compaction ${read.layout.claim.cid} is running`)
  await recoverPartition(deps, dataset, home, clock())
  read = await readLayout(curated, dataset, home)
  if (read.layout.claim) return result('busy', 0, 0, `compaction ${read.layout.claim.cid} is running`)
  const location = read.layout.location
  const partition = (await deps.catalog.listPartitions(deps.database, table)).find((p) => p.StorageDescriptor.Location.replace(/\/?$/, '/') === curated.location(location))
  if (!partition) {
    // A partition readers cannot see (a generation swapped out): its excise marks are moot.
    const marks: string[] = []
    for await (const o of curated.list(`${partitionsPrefix(dataset)}${home}`)) if (isExciseMark(o.key) && folderOf(o.key) === `${partitionsPrefix(dataset)}${home}`) marks.push(o.key)
    await curated.delete(marks)
    return result('nothing', 0, 0, 'not a registered partition')
  }

  const cid = `${clock().getTime().toString(36)}${randomBytes(4).toString('hex')}`
  const next = compactedFolder(home, cid)
  if (!(await swapLayout(curated, dataset, read, { ...read.layout, claim: { cid, next, at: clock().toISOString() } }))) return result('busy')
  const claimed = await readLayout(curated, dataset, home)
  const progress: Progress = { phase: 'claimed' }
  try {
    return await compactClaimed(deps, dataset, home, settings, clock, { location, next, cid, claimed, table, values: partition.Values, partitionLocation: partition.StorageDescriptor.Location, result }, progress)
  } catch (error) {
    // A failure (not a crash) is mended now rather than when the claim expires: loads are waiting.
    await mend(deps, dataset, home, { location, next, cid, claimed }, progress).catch(() => undefined)
    throw error
  }
}

interface Progress {
  phase: 'claimed' | 'recorded' | 'switched'
  record?: CompactionRecord
}

interface Claimed {
  location: string
  next: string
  cid: string
  claimed: Awaited<ReturnType<typeof readLayout>>
}

async function mend(deps: CompactionDeps, dataset: string, home: string, c: Claimed, progress: Progress): Promise<void> {
  if (progress.phase === 'claimed') {
    await deleteFolder(deps.curated, c.next)
    await swapLayout(deps.curated, dataset, c.claimed, unclaimed(c.claimed.layout))
  } else if (progress.phase === 'recorded') {
    await rollBack(deps, progress.record!)
  } else {
    await swapLayout(deps.curated, dataset, c.claimed, { home, location: c.next, sharers: sharersOf(progress.record!) })
    await settleRecord(deps, progress.record!)
  }
}

async function compactClaimed(
  deps: CompactionDeps, dataset: string, home: string, settings: CompactionSettings, clock: () => Date,
  c: Claimed & { table: string; values: string[]; partitionLocation: string; result: (outcome: CompactionOutcome['outcome'], partsBefore?: number, partsAfter?: number, note?: string) => CompactionOutcome },
  progress: Progress,
): Promise<CompactionOutcome> {
  const { curated } = deps
  const { location, next, cid, claimed, table, result, partitionLocation } = c
  const release = async (outcome: CompactionOutcome['outcome'], before: number, note?: string) => {
    await swapLayout(curated, dataset, claimed, unclaimed(claimed.layout))
    return result(outcome, before, before, note)
  }

  const objects = await partsIn(curated, location)
  const wanted = new Set([...objects.flatMap((o) => fileIdOfPart(o.key) ?? []), ...(claimed.layout.sharers ?? [])])
  const ledger = await readLedger(curated, dataset, home, clock(), wanted)
  if (ledger.inflight.length > 0) return release('busy', 0, `a publish of ${ledger.inflight[0]} is in flight`)
  const exclusive = new Map<string, LedgerRecord>()
  const slices = new Map<string, Set<string>>()
  for (const head of ledger.heads) {
    for (const k of head.outputs) if (folderOf(k) === location) exclusive.set(k, head)
    for (const k of head.shared ?? []) if (folderOf(k) === location) slices.set(k, (slices.get(k) ?? new Set()).add(head.key))
  }
  // A merged part no head names any more holds only rows of replaced or retracted files.
  const leftover = (k: string) => isMergedPart(k) && !exclusive.has(k) && !slices.has(k)
  const unowned = objects.filter((o) => !exclusive.has(o.key) && !slices.has(o.key) && !leftover(o.key))
  if (unowned.length > 0) return release('busy', objects.length, `${unowned.length} part(s) no head owns yet (a commit or clean-up in progress)`)
  const marks = ledger.marks
  const small = settings.targetBytes * settings.smallFraction
  const bytes = new Map<string, Uint8Array>()
  for (const o of objects) if (o.size < small || (marks.length > 0 && slices.has(o.key)) || leftover(o.key)) bytes.set(o.key, await readAll(curated, o.key))
  const groups = mergeGroups(
    objects.map((o) => ({ key: o.key, size: o.size, schema: bytes.has(o.key) ? partSchema(bytes.get(o.key)!) : 'large', excise: (marks.length > 0 && slices.has(o.key)) || leftover(o.key) })),
    settings,
  )
  if (groups.length === 0) {
    await curated.delete(marks)
    return release('nothing', objects.length)
  }

  // Merged parts in memory (sources are small), so that heads name only parts with rows.
  const merged = new Map<string, { bytes: Uint8Array; sources: string[] }>()
  for (const [i, group] of groups.entries()) {
    const out = await mergeParts(group.map((k) => ({ bytes: bytes.get(k)!, ...(slices.has(k) || leftover(k) ? { keep: slices.get(k) ?? new Set<string>() } : {}) })))
    if (out.rows > 0) merged.set(`${next}${cid}-${String(i).padStart(5, '0')}.parquet`, { bytes: out.bytes, sources: group })
  }
  const grouped = new Set(groups.flat())
  const copies = new Map(objects.filter((o) => !grouped.has(o.key)).map((o) => [o.key, `${next}${o.key.slice(location.length)}`]))
  const members: RemappedHead[] = ledger.heads.filter((h) => h.outputs.some((k) => folderOf(k) === location) || (h.shared ?? []).some((k) => folderOf(k) === location)).map((h) => {
    const before: HeadParts = { outputs: h.outputs, shared: h.shared ?? [] }
    const mine = new Set([...h.outputs, ...(h.shared ?? [])].filter((k) => folderOf(k) === location))
    const into = [...merged].filter(([, m]) => m.sources.some((s) => mine.has(s))).map(([k]) => k)
    const after: HeadParts = {
      outputs: h.outputs.flatMap((k) => (folderOf(k) !== location ? [k] : copies.has(k) ? [copies.get(k)!] : [])),
      shared: [...before.shared.flatMap((k) => (folderOf(k) !== location ? [k] : copies.has(k) ? [copies.get(k)!] : [])), ...into],
    }
    return { fileId: h.fileId, key: h.key, publishId: h.publishId, before, after }
  })
  const record: CompactionRecord = {
    cid, dataset, table, home, values: c.values, from: location, to: next, members, removes: objects.map((o) => o.key), marks,
  }
  await curated.writeText(compactionRecordKey(dataset, home), JSON.stringify(record))
  Object.assign(progress, { phase: 'recorded', record })

  for (const [key, m] of merged) await writeBytes(curated, key, m.bytes)
  for (const [from, to] of copies) await curated.copy(from, to)
  for (const member of members) {
    if ((await swapHeadParts(curated, dataset, member.fileId, member.publishId, member.before, member.after)) === 'changed') {
      await rollBack(deps, record)
      return result('busy', objects.length, objects.length, `the head of ${member.key} changed meanwhile`)
    }
  }
  try {
    await deps.catalog.movePartition(deps.database, table, c.values, curated.location(next), partitionLocation)
  } catch (error) {
    if (!(error instanceof WriteConflictError)) throw error
    await rollBack(deps, record)
    return result('busy', objects.length, objects.length, 'the partition moved meanwhile: its table was swapped to another generation')
  }
  progress.phase = 'switched'
  if (!(await swapLayout(curated, dataset, claimed, { home, location: next, sharers: sharersOf(record) }))) return result('busy', objects.length, objects.length, 'the claim was ended by a recovery')
  await settleRecord(deps, record)
  return result('compacted', objects.length, merged.size + copies.size)
}

/**
 * The committed heads of the files that may own parts of the partition (`wanted`: one read
 * each), its publishes in flight into `home` (intents not expired of a version its head does
 * not hold yet, found through the in-flight markers in the home's folder), and the excise marks
 * of `home`. Nothing of the dataset beyond this partition is listed. Markers of publishes that
 * are over (their intent gone or expired) are removed: the claim is held, so a publish that has
 * not written its intent yet will find the partition claimed and mark it again.
 */
async function readLedger(curated: ObjectStore, dataset: string, home: string, now: Date, wanted: Set<string>): Promise<{ heads: LedgerRecord[]; inflight: string[]; marks: string[] }> {
  const heads = new Map<string, LedgerRecord | undefined>()
  const readHead = async (fileId: string) => {
    if (!heads.has(fileId)) {
      const text = await curated.readText(headKey(dataset, fileId))
      heads.set(fileId, text ? (JSON.parse(text) as LedgerRecord) : undefined)
    }
    return heads.get(fileId)
  }
  const folder = `${partitionsPrefix(dataset)}${home}`
  const markers: string[] = []
  const marks: string[] = []
  for await (const o of curated.list(folder)) {
    if (folderOf(o.key) !== folder) continue
    if (isExciseMark(o.key)) marks.push(o.key)
    else if (isInflightMarker(o.key)) markers.push(o.key)
  }
  const inflight: string[] = []
  const over: string[] = []
  for (const marker of markers) {
    const pointer = await curated.readText(marker)
    const intentKey = pointer ? (JSON.parse(pointer) as { intent?: string }).intent : undefined
    const text = intentKey ? await curated.readText(intentKey) : undefined
    const intent = text ? (JSON.parse(text) as PublishIntent) : undefined
    const entry = intentKey ? parseLedgerKey(intentKey) : undefined
    if (!intent || entry?.kind !== 'intent' || intentExpired(entry.writtenAt, now)) {
      over.push(marker)
      continue
    }
    if (!intent.outputs.some((k) => homeOf(k) === home)) continue
    const head = await readHead(entry.fileId)
    const settled = head?.state === 'committed' && (head.publishId === intent.publishId || (head.etag === intent.etag && (head.generation ?? '') === (intent.generation ?? '')))
    if (!settled) inflight.push(intent.key)
  }
  await curated.delete(over)
  for (const fileId of wanted) await readHead(fileId)
  const committed = [...heads.values()].filter((h): h is LedgerRecord => h?.state === 'committed' && wanted.has(h.fileId))
  return { heads: committed, inflight, marks }
}

/** A part a compaction merged (`<cid>-<n>.parquet`; a published part's name has its file and publish ids). */
const isMergedPart = (key: string) => /^[0-9a-z]+-\d{5}\.parquet$/.test(key.slice(key.lastIndexOf('/') + 1))

async function partsIn(curated: ObjectStore, folder: string): Promise<ObjectInfo[]> {
  const parts: ObjectInfo[] = []
  for await (const o of curated.list(folder)) if (folderOf(o.key) === folder && o.key.endsWith('.parquet')) parts.push(o)
  return parts
}

async function readAll(curated: ObjectStore, key: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const c of curated.read(key)) chunks.push(c)
  return new Uint8Array(Buffer.concat(chunks))
}

async function writeBytes(curated: ObjectStore, key: string, bytes: Uint8Array): Promise<void> {
  const upload = await curated.upload(key)
  await upload.write(bytes)
  await upload.close()
}

export { deleteFolder, readRecord }
