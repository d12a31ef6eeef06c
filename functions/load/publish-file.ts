import { INGEST_DATE } from '../core/lake/catalog'
import { WriteConflictError } from '../core/errors'
import { tableBase } from '../core/lake/generation'
import { curatedPartKey, rejectsTable } from '../core/lake/lake-layout'
import {
  committedKey,
  headKey,
  intentKey,
  intentFate,
  ledgerPrefix,
  parseLedgerKey,
  quarantineKey,
  publishIdOf,
  type LedgerRecord,
  type PublishIntent,
} from '../core/lake/ledger'
import type { ObjectInfo, ObjectStore, VersionedText } from '../core/lake/object-store'
import type { PlannedFile } from '../core/lake/plan-files'
import type { PartInfo } from '../core/parquet/part-sink'
import type { TransformStats } from '../core/transform/transform-types'
import type { Catalog } from '../core/lake/catalog'
import { homeOf, inflightKey } from '../core/compaction/compaction-layout'
import { layoutsForPublish } from './compaction-recovery'
import { markExcise, markInflight, readLayout, relocate } from './partition-layout'
import { disposeParts, type DisposeDeps } from './dispose-parts'

/** One file's staged output on its way to the curated zone. */
export interface StagedFile {
  file: PlannedFile
  stats: TransformStats
}

/** What a commit needs of a file version: who it is and its row counts. */
export interface CommittableFile {
  file: Pick<PlannedFile, 'key' | 'dataset' | 'fileId' | 'etag'>
  stats: Pick<TransformStats, 'rowsIn' | 'rowsOut' | 'rowsRejected'>
}

/** What Load needs of the lake to publish and commit files. */
export interface PublishDeps extends DisposeDeps {
  curated: ObjectStore
  /** Only `head`: a commit checks that its version is still the one the raw zone holds. */
  raw: Pick<ObjectStore, 'head'>
}

/** A file's publish: where its parts went, under which publish id. */
export interface Published {
  publishId: string
  outputs: string[]
  /** Ledger key of its intent. */
  intent: string
}

/**
 * How a commit ended:
 * - `committed`: this version is now the file's, its rows are in the table exactly once;
 * - `already`: another execution committed this same version first; this one's parts are gone;
 * - `superseded`: the raw zone holds another version now (or none): this one's parts are gone,
 *   the newer version is loaded by the run that plans it.
 * With `failed` (the reason), the version is committed as failed: its outputs are its rejects,
 * it replaces what the file had loaded before, and it has no index entry (its quarantine record
 * keeps the planner away from it instead).
 */
export type CommitOutcome = ({ outcome: 'committed'; record: LedgerRecord } | { outcome: 'already'; record: LedgerRecord } | { outcome: 'superseded'; rawEtag?: string }) & Excised

/** Partition homes whose compacted parts the commit marked for excision: to compact next. */
export interface Excised {
  excised?: string[]
}

/** How many times a compare-and-swap is tried before the race is reported as transient. */
const MAX_ATTEMPTS = 50

/** The partition values of a data part, ingest date first. */
export function partitionOf(part: PartInfo, ingestDate: string): Record<string, string> {
  return { [INGEST_DATE]: ingestDate, ...part.partition }
}

/**
 * Where a staged file's parts go: names unique to this publish, so no two publishes share one,
 * under the table's generation (generation.ts).
 */
export function finalKeys(staged: StagedFile, ingestDate: string, publishId: string, generation = ''): { data: string[]; rejects: string[] } {
  const { dataset, fileId } = staged.file
  const name = `${fileId}-${publishId}`
  return {
    data: staged.stats.parts.map((p) => curatedPartKey(tableBase(dataset, generation), partitionOf(p, ingestDate), name, p.index)),
    rejects: staged.stats.rejectParts.map((p) => curatedPartKey(tableBase(rejectsTable(dataset), generation), { [INGEST_DATE]: ingestDate }, name, p.index)),
  }
}

/** What a publish needs: the curated zone, and the catalog to end a crashed compaction's claim. */
export interface PublishTarget {
  curated: ObjectStore
  catalog: Catalog
  database: string
}

/**
 * Publishes a staged file: records an intent naming the parts, then copies them to keys no
 * other publish uses, in each partition's current folder (a compaction may have moved it; see
 * compact-partition.ts). The folders are read before the intent and again after it: a
 * compaction claiming a partition in between makes the publish start over, and one claiming it
 * later finds the intent and yields. Rerunnable: a retry of the same execution writes the same
 * keys. Nothing is committed yet; readers may see the parts before `commitFile` decides whether
 * they stay.
 */
export async function publishFile(target: PublishTarget, staged: StagedFile, ingestDate: string, runId: string, now: Date, generation = ''): Promise<Published> {
  const { curated } = target
  const { dataset, fileId, key, etag } = staged.file
  const publishId = publishIdOf(runId, etag, generation)
  const keys = finalKeys(staged, ingestDate, publishId, generation)
  const homes = [...new Set([...keys.data, ...keys.rejects].map(homeOf))]
  const intentAt = intentKey(dataset, fileId, publishId, now)
  let outputs: string[] = []
  for (let attempt = 0; ; attempt++) {
    const layouts = await layoutsForPublish(target, dataset, homes, now)
    outputs = [...keys.data, ...keys.rejects].map((k) => relocate(k, new Map([...layouts].map(([h, r]) => [h, r.layout]))))
    const intent: PublishIntent = { key, etag, runId, publishId, outputs, writtenAt: now.toISOString(), ...(generation ? { generation } : {}) }
    await markInflight(curated, dataset, fileId, publishId, intentAt, homes)
    await curated.writeText(intentAt, JSON.stringify(intent))
    const moved = await Promise.all(homes.map(async (h) => (await readLayout(curated, dataset, h)).etag !== layouts.get(h)!.etag))
    if (!moved.some(Boolean)) break
    if (attempt >= MAX_ATTEMPTS) throw new WriteConflictError(`compaction: the partitions of ${key} kept moving while it was published`)
  }
  const sources = [...staged.stats.parts, ...staged.stats.rejectParts].map((p) => p.key)
  for (let i = 0; i < sources.length; i++) await curated.copy(sources[i], outputs[i])
  return { publishId, outputs, intent: intentAt }
}

/**
 * Makes a published version the file's, by compare-and-swap on the ledger head, if and only
 * if the raw zone still holds that version. The winner removes what the version it replaced
 * and any dead publishes left; a loser removes its own parts. Rerunnable at any point: a crash
 * leaves the intent, and the file is planned again. `generation` is the table generation the
 * parts were published into: the same version committed in an older generation is replaced.
 */
export async function commitFile(deps: PublishDeps, staged: CommittableFile, published: Published, runId: string, now: Date, generation = '', failed?: string): Promise<CommitOutcome> {
  const { dataset, fileId, key, etag } = staged.file
  const state = failed === undefined ? 'committed' : 'failed'
  const record: Omit<LedgerRecord, 'replaced'> = {
    key, dataset, fileId, state, etag, publishId: published.publishId, runId, committedAt: now.toISOString(), outputs: published.outputs,
    rowsIn: staged.stats.rowsIn, rowsOut: staged.stats.rowsOut, rowsRejected: staged.stats.rowsRejected, ...(generation ? { generation } : {}), ...(failed === undefined ? {} : { reason: failed }),
  }
  const excised = new Set<string>()
  const marked = (outcome: CommitOutcome): CommitOutcome => (excised.size > 0 ? { ...outcome, excised: [...excised] } : outcome)
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const read = await deps.curated.readVersioned(headKey(dataset, fileId))
    const head = read ? (JSON.parse(read.text) as LedgerRecord) : undefined
    // A retry of our own Load after the swap landed: finish what that attempt began.
    if (head?.state === state && head.publishId === published.publishId) return marked(await finish(deps, head, now, 'committed'))
    // The head is read before the raw zone: a version committed after this check has to win
    // against our head read, so an older version can never replace a newer one.
    const raw = await deps.raw.head(key)
    if (raw?.etag !== etag) {
      await discard(deps.curated, published, dataset, fileId)
      return marked({ outcome: 'superseded', ...(raw ? { rawEtag: raw.etag } : {}) })
    }
    if (head?.state === state && head.etag === etag && (head.generation ?? '') === generation) {
      await discard(deps.curated, published, dataset, fileId)
      return marked(await finish(deps, head, now, 'already'))
    }
    const replaced = await replacedKeys(deps.curated, dataset, fileId, head)
    const next: LedgerRecord = { ...record, replaced, ...formerHomes(replaced, head) }
    for (const home of await markExcise(deps.curated, dataset, fileId, head?.shared, now)) excised.add(home)
    if (await swapHead(deps.curated, next, read)) return marked(await finish(deps, next, now, 'committed'))
  }
  throw new WriteConflictError(`ledger: commit of ${key} lost ${MAX_ATTEMPTS} races in a row`)
}

/**
 * Retracts the rows of a raw file that is gone (deleted, or the old key of a rename), by the
 * same compare-and-swap: only while the key is still missing. Returns the retracted record (none
 * when there was nothing to retract or the file came back) and the homes it marked for excision.
 */
export async function retractFile(deps: PublishDeps, file: PlannedFile, runId: string, now: Date): Promise<{ record?: LedgerRecord } & Excised> {
  const { dataset, fileId, key } = file
  const excised = new Set<string>()
  const marked = (record?: LedgerRecord) => ({ ...(record ? { record } : {}), ...(excised.size > 0 ? { excised: [...excised] } : {}) })
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const read = await deps.curated.readVersioned(headKey(dataset, fileId))
    const head = read ? (JSON.parse(read.text) as LedgerRecord) : undefined
    if (await deps.raw.head(key)) return marked()
    if (head?.state === 'retracted') {
      await finish(deps, head, now, 'committed')
      return marked()
    }
    if (!head) {
      const entries = await ledgerEntries(deps.curated, dataset, fileId)
      if (!entries.some((e) => e.kind === 'committed')) {
        // A file that only ever failed has nothing to retract; its quarantine goes with it.
        await deps.curated.delete(entries.filter((e) => e.kind === 'quarantined').map((e) => e.key))
        return marked()
      }
    }
    const replaced = await replacedKeys(deps.curated, dataset, fileId, head)
    const next: LedgerRecord = {
      key, dataset, fileId, state: 'retracted', etag: '', publishId: '', runId, committedAt: now.toISOString(), outputs: [], replaced, ...formerHomes(replaced, head),
      rowsIn: head?.rowsIn ?? 0, rowsOut: head?.rowsOut ?? 0, rowsRejected: head?.rowsRejected ?? 0,
    }
    for (const home of await markExcise(deps.curated, dataset, fileId, head?.shared, now)) excised.add(home)
    if (await swapHead(deps.curated, next, read)) {
      await finish(deps, next, now, 'committed')
      return marked(next)
    }
  }
  throw new WriteConflictError(`ledger: retraction of ${key} lost ${MAX_ATTEMPTS} races in a row`)
}

/** Swaps the head from what was read to `next`; false when another commit came first. */
async function swapHead(curated: ObjectStore, next: LedgerRecord, read: VersionedText | undefined): Promise<boolean> {
  try {
    await curated.writeText(headKey(next.dataset, next.fileId), JSON.stringify(next), read ? { ifMatch: read.etag } : { ifNoneMatch: '*' })
    return true
  } catch (error) {
    if (error instanceof WriteConflictError) return false
    throw error
  }
}

/**
 * After a commit (ours, or the one we found): removes the parts the head replaced and those of
 * publishes that can no longer commit, points the index at the head's version, and drops the
 * intents that are settled. Idempotent, so a crash anywhere in it is mended by a rerun.
 */
async function finish<T extends 'committed' | 'already'>(deps: PublishDeps, committed: LedgerRecord, now: Date, outcome: T): Promise<{ outcome: T; record: LedgerRecord }> {
  const { curated } = deps
  const { dataset, fileId } = committed
  const entries = await ledgerEntries(curated, dataset, fileId)
  const live = new Set(committed.outputs)
  await disposeParts(deps, committed.replaced.filter((k) => !live.has(k)), now)
  const head = await settleReplaced(curated, committed)
  const intents = entries.filter((e) => e.kind === 'intent')
  if (intents.length > 0) {
    const raw = await deps.raw.head(head.key)
    for (const entry of intents) {
      const intent = await readJson<PublishIntent>(curated, entry.key)
      if (!intent) continue
      const mine = intent.publishId === head.publishId && head.state !== 'retracted'
      const fate = mine ? 'drop' : intentFate(intent, head.state === 'committed' ? head.etag : undefined, raw?.etag, now, head.generation)
      if (fate === 'keep') continue
      if (!mine) await disposeParts(deps, intent.outputs.filter((k) => !live.has(k)), now)
      if (fate === 'drop') await curated.delete([entry.key, ...inflightMarkers(dataset, fileId, intent)])
    }
  }
  const index = head.state === 'committed' ? committedKey(dataset, fileId, head.etag, head.generation) : undefined
  if (index) await curated.writeText(index, JSON.stringify(head))
  // Other index entries, and quarantines of versions the head has moved past, are settled too.
  const quarantined = head.state === 'failed' ? quarantineKey(dataset, fileId, head.etag) : undefined
  await curated.delete(entries.filter((e) => (e.kind === 'committed' && e.key !== index) || (e.kind === 'quarantined' && e.key !== quarantined)).map((e) => e.key))
  if (index) {
    // A later commit may have replaced the head while we wrote the index: it must not stay.
    const current = await readJson<LedgerRecord>(curated, headKey(dataset, fileId))
    if (current && (current.state !== 'committed' || current.etag !== head.etag || current.generation !== head.generation)) await curated.delete([index])
  }
  return { outcome, record: head }
}

/**
 * Once the replaced parts are gone, the head stops naming them (by compare-and-swap, only if it
 * is still this commit), so the list never grows from version to version.
 */
async function settleReplaced(curated: ObjectStore, head: LedgerRecord): Promise<LedgerRecord> {
  if (head.replaced.length === 0) return head
  const key = headKey(head.dataset, head.fileId)
  const read = await curated.readVersioned(key)
  const current = read ? (JSON.parse(read.text) as LedgerRecord) : undefined
  if (!read || !current || current.publishId !== head.publishId || current.state !== head.state || current.etag !== head.etag) return head
  const settled: LedgerRecord = { ...current, replaced: [] }
  try {
    await curated.writeText(key, JSON.stringify(settled), { ifMatch: read.etag })
    return settled
  } catch (error) {
    if (error instanceof WriteConflictError) return head
    throw error
  }
}

/** Removes a losing publish's parts and its intent. */
async function discard(curated: ObjectStore, published: Published, dataset: string, fileId: string): Promise<void> {
  await curated.delete(published.outputs)
  await curated.delete([published.intent, ...inflightMarkers(dataset, fileId, published)])
}

/** The in-flight markers a publish wrote (partition-layout.ts), to go with its intent. */
function inflightMarkers(dataset: string, fileId: string, publish: Pick<PublishIntent, 'publishId' | 'outputs'>): string[] {
  return [...new Set(publish.outputs.map(homeOf))].map((home) => inflightKey(dataset, home, fileId, publish.publishId))
}

/**
 * Every curated key holding rows of the file before this commit: the head's parts and what it
 * had still to remove, or, for a file committed before the ledger had heads, what its index
 * entries and intents name.
 */
/** The homes of the parts a commit replaces, and of the compacted parts its head named. */
function formerHomes(replaced: string[], head: LedgerRecord | undefined): { formerHomes?: string[] } {
  const homes = [...new Set([...replaced, ...(head?.shared ?? [])].map(homeOf))].sort()
  return homes.length > 0 ? { formerHomes: homes } : {}
}

async function replacedKeys(curated: ObjectStore, dataset: string, fileId: string, head: LedgerRecord | undefined): Promise<string[]> {
  if (head) return [...new Set([...head.outputs, ...head.replaced])]
  const keys = new Set<string>()
  for (const entry of await ledgerEntries(curated, dataset, fileId)) {
    if (entry.kind !== 'committed' && !(entry.kind === 'intent' && entry.publishId === '')) continue
    const record = await readJson<{ outputs?: string[]; stale?: string[] }>(curated, entry.key)
    for (const k of [...(record?.outputs ?? []), ...(record?.stale ?? [])]) keys.add(k)
  }
  return [...keys]
}

type Entry = ObjectInfo & ({ kind: 'head' } | { kind: 'committed' } | { kind: 'quarantined' } | { kind: 'intent'; publishId: string })

async function ledgerEntries(curated: ObjectStore, dataset: string, fileId: string): Promise<Entry[]> {
  const entries: Entry[] = []
  for await (const o of curated.list(`${ledgerPrefix(dataset)}${fileId}`)) {
    const parsed = parseLedgerKey(o.key)
    if (parsed?.fileId === fileId) entries.push({ ...o, ...parsed })
  }
  return entries
}

async function readJson<T>(curated: ObjectStore, key: string): Promise<T | undefined> {
  const text = await curated.readText(key)
  return text === undefined ? undefined : (JSON.parse(text) as T)
}
