import { parquetPartition, type CatalogColumn, type PartitionInput, type TableInput, type VersionedTable } from '../core/lake/catalog'
import { WriteConflictError } from '../core/errors'
import { GENERATION_PARAMETER, generationOf, rebuildPrefix, tableBase } from '../core/lake/generation'
import { rejectsTable } from '../core/lake/lake-layout'
import { headKey, intentKey, ledgerPrefix, parseLedgerKey, publishIdOf, type LedgerRecord, type PublishIntent } from '../core/lake/ledger'
import type { ObjectStore } from '../core/lake/object-store'
import type { LakeDeps } from '../core/lake/step-deps'
import { isWidenedFileKey, widenedPartKey, widenedFileKey, widenGeneration, widenMarkerKey } from '../core/lake/widen-layout'
import type { AthenaType } from '../core/schema/athena-types'
import { commitFile, type CommittableFile, type Published, type PublishDeps } from './publish-file'
import { cutSharedPart, rewriteStoredPart } from './rewrite-stored-part'
import { restoreMergedPart } from './iceberg-merges'
import { tableTypes } from './conform-staged'
import { removeStaleCompacted } from './compact-dataset'
import { homeOf } from '../core/compaction/compaction-layout'
import { markInflight } from './partition-layout'
import { typesWithFormerNames } from '../core/schema/column-renames'
import { renamesOf } from '../core/table-format/iceberg/working-definition'

/** What a widening needs: the lake, and the raw zone's heads for the commits. */
export type WidenDeps = Pick<LakeDeps, 'catalog' | 'curated' | 'database'> & PublishDeps

/** A committed file version rewritten into the widened generation. */
interface WidenedFile {
  file: CommittableFile
  published: Published
  /** The head it was rewritten from. */
  from: { publishId: string; etag: string }
  /** Data parts rewritten (the others were copied). */
  rewritten: number
}

interface WidenMarker {
  dataset: string
  generation: string
  from: string
  version: string
  columns: CatalogColumn[]
}

/** A widening that landed: the generation now live, and the committed files' parts it rewrote. */
export interface Widened {
  generation: string
  files: number
  rewritten: number
}

/** Times the committed heads are read again for versions committed while the rewrite ran. */
const CATCH_UP_ROUNDS = 3

/**
 * Widens columns of a table whose published parts Athena cannot read under the new types,
 * through the same protocol as a reprocess (generation.ts):
 * 1. a new generation is built beside the live one: every committed file version's parts are
 *    rewritten with the new types (rewrite-part.ts) or, when readable as they are, copied,
 *    under an intent and new keys; rejects parts are copied. Readers see none of it.
 * 2. one catalog write, conditional on the table version read when the widening began, puts
 *    the new columns, location, partitions and generation in place together. A lost race
 *    changes nothing: the caller reads the table again and reconciles again.
 * 3. the rewritten versions are committed on their ledger heads by compare-and-swap
 *    (`finishWidening`), each winner removing the old generation's parts.
 * Resumable from any point by a rerun, which builds the same generation (widen-layout.ts).
 * Returns the generation now live and what was rewritten, or undefined when the race was lost.
 */
export async function widenTable(deps: WidenDeps, dataset: string, current: VersionedTable, columns: CatalogColumn[], runId: string, now: Date): Promise<Widened | undefined> {
  const from = generationOf(current.table)
  const generation = widenGeneration(dataset, from, current.version, columns)
  const marker: WidenMarker = { dataset, generation, from, version: current.version, columns }
  await deps.curated.writeText(widenMarkerKey(dataset, generation), JSON.stringify(marker))
  // A part written before a rename holds the column under its former name (an Iceberg dataset's).
  const types = typesWithFormerNames(tableTypes(columns), columns, renamesOf(current.table))
  // Versions committed while the rewrite runs are rewritten too; any committed after the last
  // look stay in the old generation, which the planner loads again.
  const built = new Map<string, WidenedFile>()
  try {
    for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
      const { heads, swapped } = await committedHeads(deps.curated, dataset, from, generation)
      // Another execution building this same generation swapped it in and commits its files:
      // a file gone from the old generation is then live under the keys built here, not lost.
      if (swapped) return { files: built.size, rewritten: 0, generation: await finishWidening(deps, dataset, runId, now) }
      const todo = heads.filter((h) => built.get(h.fileId)?.from.publishId !== h.publishId)
      for (const gone of [...built.values()].filter((b) => !heads.some((h) => h.fileId === b.file.file.fileId && h.publishId === b.from.publishId))) {
        await dropWidened(deps.curated, dataset, generation, gone)
        built.delete(gone.file.file.fileId)
      }
      if (todo.length === 0) break
      for (const head of todo) built.set(head.fileId, await rewriteFile(deps.curated, head, from, generation, types, runId, now))
    }
  } catch (error) {
    // Another execution building this same generation swapped it in and committed it, removing
    // the parts this one was reading: only the finishing is left.
    if (generationOf(await deps.catalog.getTable(deps.database, dataset)) !== generation) throw error
    return { files: built.size, rewritten: 0, generation: await finishWidening(deps, dataset, runId, now) }
  }
  const counted = async () => ({ files: built.size, rewritten: [...built.values()].reduce((n, b) => n + b.rewritten, 0) })
  const table = relocated(deps, current.table, dataset, generation, columns)
  const partitions = (await deps.catalog.listPartitions(deps.database, dataset)).map((p) => relocatedPartition(table, p))
  try {
    await deps.catalog.replaceTable(deps.database, table, partitions, current.version)
  } catch (error) {
    if (!(error instanceof WriteConflictError)) throw error
    // Another execution may have swapped this same generation in: then it only needs finishing.
    if (generationOf(await deps.catalog.getTable(deps.database, dataset)) === generation) return { ...(await counted()), generation: await finishWidening(deps, dataset, runId, now) }
    for (const b of built.values()) await dropWidened(deps.curated, dataset, generation, b)
    await deps.curated.delete([widenMarkerKey(dataset, generation)])
    return undefined
  }
  return { ...(await counted()), generation: await finishWidening(deps, dataset, runId, now) }
}

/**
 * Completes a widening whose catalog swap has landed (the table's live generation has a widen
 * record): the rejects table follows the data table into the generation, partitions the
 * partition calls on Glue left behind are moved, and each rewritten version is committed.
 * Idempotent; a Load calls it before it touches a dataset, so a crash after the swap is
 * mended by the next Load. Returns the live generation.
 */
export async function finishWidening(deps: WidenDeps, dataset: string, runId: string, now: Date): Promise<string> {
  const table = await deps.catalog.getTable(deps.database, dataset)
  const generation = generationOf(table)
  const markerText = generation ? await deps.curated.readText(widenMarkerKey(dataset, generation)) : undefined
  if (!table || !markerText) return generation
  await movePartitions(deps, table)
  await moveRejects(deps, dataset, generation)
  const keys: string[] = []
  for await (const o of deps.curated.list(rebuildPrefix(dataset, generation))) keys.push(o.key)
  for (const key of keys.filter(isWidenedFileKey)) {
    const text = await deps.curated.readText(key)
    if (!text) continue
    const widened = JSON.parse(text) as WidenedFile
    await commitFile(deps, widened.file, widened.published, runId, now, generation)
  }
  // The old generation's compacted parts: every sharer's rows were cut out into the new one.
  await removeStaleCompacted(deps.curated, dataset, generation)
  await deps.curated.delete(keys)
  return generation
}

/**
 * Moves the rejects table into the generation the data table is in, by a write conditional on
 * the version read (a stale mover must not put back partitions it listed before another mover
 * and a load added theirs), then registers every partition the generation's rejects objects are
 * in: a load that read the data table after its swap published rejects there, but could not
 * register them while the rejects table was still in the old generation.
 */
async function moveRejects(deps: WidenDeps, dataset: string, generation: string): Promise<void> {
  const name = rejectsTable(dataset)
  const read = await deps.catalog.readTable(deps.database, name)
  if (!read) return
  if (generationOf(read.table) !== generation) {
    const moved = relocated(deps, read.table, name, generation)
    const old = (await deps.catalog.listPartitions(deps.database, name)).map((p) => relocatedPartition(moved, p))
    try {
      await deps.catalog.replaceTable(deps.database, moved, old, read.version)
    } catch (error) {
      if (!(error instanceof WriteConflictError)) throw error
    }
  }
  const table = await deps.catalog.getTable(deps.database, name)
  if (!table || generationOf(table) !== generation) return
  await movePartitions(deps, table)
  const found = await partitionsUnder(deps, table, `${tableBase(name, generation)}/`)
  const known = new Set((await deps.catalog.listPartitions(deps.database, name)).map((p) => JSON.stringify(p.Values)))
  const missing = found.filter((p) => !known.has(JSON.stringify(p.Values)))
  if (missing.length > 0) await deps.catalog.addPartitions(deps.database, name, missing)
}

/**
 * The committed heads of a dataset whose parts are in generation `from`, and whether a head is
 * committed in generation `to` already: only after `to` was swapped in can a file be.
 */
async function committedHeads(curated: ObjectStore, dataset: string, from: string, to: string): Promise<{ heads: LedgerRecord[]; swapped: boolean }> {
  const heads: LedgerRecord[] = []
  let swapped = false
  for await (const o of curated.list(ledgerPrefix(dataset))) {
    const entry = parseLedgerKey(o.key)
    if (entry?.kind !== 'head' || o.key !== headKey(dataset, entry.fileId)) continue
    const text = await curated.readText(o.key)
    const head = text ? (JSON.parse(text) as LedgerRecord) : undefined
    if (head?.state !== 'committed') continue
    if ((head.generation ?? '') === from) heads.push(head)
    else if (head.generation === to) swapped = true
  }
  return { heads, swapped }
}

/**
 * Writes one committed version into the new generation, under an intent naming its new parts
 * (so that what a crash leaves is found like a publish's): data parts rewritten with the new
 * types, or copied when Athena reads them as they are; rejects parts copied.
 */
async function rewriteFile(curated: ObjectStore, head: LedgerRecord, from: string, generation: string, types: Map<string, AthenaType>, runId: string, now: Date): Promise<WidenedFile> {
  const { dataset, fileId } = head
  // A rerun of this widening (a retried or timed-out Load) keeps what it rewrote already.
  const done = await curated.readText(widenedFileKey(dataset, generation, fileId, head.etag))
  const previous = done ? (JSON.parse(done) as WidenedFile) : undefined
  if (previous?.from.publishId === head.publishId && (await allExist(curated, previous.published.outputs))) return previous
  const publishId = publishIdOf(`widen\n${generation}`, head.etag, generation)
  const at = (key: string, name: string) => {
    const to = widenedPartKey(key, dataset, from, generation, name)
    if (!to) throw new Error(`widen: part ${key} of ${head.key} is not in generation '${from}' of ${dataset}`)
    return to
  }
  // Own parts keep their numbers; the file's rows in compacted parts shared with other files
  // are cut out into parts of its own (numbered from 90000), so that the new generation holds
  // each file's rows under its own head.
  const moves = head.outputs.map((key) => {
    const file = key.slice(key.lastIndexOf('/') + 1)
    const own = `${fileId}-${head.publishId}-`
    if (!file.startsWith(own)) throw new Error(`widen: part ${key} is not named after ${head.key}'s publish ${head.publishId}`)
    return { key, to: at(key, `${fileId}-${publishId}-${file.slice(own.length)}`), data: !isRejectsPart(key, dataset), shared: false }
  })
  const cuts = (head.shared ?? []).map((key, i) => ({ key, to: at(key, `${fileId}-${publishId}-${String(90000 + i).padStart(5, '0')}.parquet`), data: !isRejectsPart(key, dataset), shared: true }))
  const outputs = [...moves, ...cuts].map((m) => m.to)
  const intent: PublishIntent = { key: head.key, etag: head.etag, runId, publishId, outputs, writtenAt: now.toISOString(), generation }
  const intentAt = intentKey(dataset, fileId, publishId, now)
  await markInflight(curated, dataset, fileId, publishId, intentAt, [...new Set(outputs.map(homeOf))])
  await curated.writeText(intentAt, JSON.stringify(intent))
  let rewritten = 0
  for (const m of [...moves, ...cuts]) {
    if (m.shared) {
      if (await cutSharedPart(curated, m.key, m.to, head.key, m.data ? types : new Map())) rewritten += 1
    } else if (!(await curated.head(m.key))) {
      // An Iceberg table's part whose rows a compaction merged, deleted since: cut from the merged file.
      if (!(await restoreMergedPart(curated, m.key, m.to))) throw new Error(`widen: part ${m.key} of ${head.key} is missing`)
      if (m.data && (await rewriteStoredPart(curated, m.to, m.to, types))) rewritten += 1
    } else if (!m.data) await curated.copy(m.key, m.to)
    else if (await rewriteStoredPart(curated, m.key, m.to, types)) rewritten += 1
  }
  const widened: WidenedFile = {
    file: { file: { key: head.key, dataset, fileId, etag: head.etag }, stats: { rowsIn: head.rowsIn, rowsOut: head.rowsOut, rowsRejected: head.rowsRejected } },
    published: { publishId, outputs, intent: intentAt },
    from: { publishId: head.publishId, etag: head.etag },
    rewritten,
  }
  await curated.writeText(widenedFileKey(dataset, generation, fileId, head.etag), JSON.stringify(widened))
  return widened
}

/** Removes a rewritten version that will not be committed: its parts, intent and record. */
async function dropWidened(curated: ObjectStore, dataset: string, generation: string, widened: WidenedFile): Promise<void> {
  await curated.delete(widened.published.outputs)
  await curated.delete([widened.published.intent, widenedFileKey(dataset, generation, widened.file.file.fileId, widened.from.etag)])
}

/** A table definition moved to generation `to` (location and parameter), with `columns` if given. */
function relocated(deps: WidenDeps, table: TableInput, name: string, to: string, columns?: CatalogColumn[]): TableInput {
  return {
    ...table,
    Parameters: { ...table.Parameters, [GENERATION_PARAMETER]: to },
    StorageDescriptor: { ...table.StorageDescriptor, ...(columns ? { Columns: columns } : {}), Location: deps.curated.location(`${tableBase(name, to)}/`) },
  }
}

/** A partition of the old generation at the same values in the table's generation. */
function relocatedPartition(table: TableInput, p: PartitionInput): PartitionInput {
  const base = table.StorageDescriptor.Location
  if (p.StorageDescriptor.Location.startsWith(base)) return parquetPartition(table, p.Values, p.StorageDescriptor.Location)
  const values = table.PartitionKeys.map((k, i) => `${k.Name}=${encodeURIComponent(p.Values[i])}/`).join('')
  return parquetPartition(table, p.Values, `${base}${values}`)
}

/** Moves partitions still at the old generation's location (Glue's partition calls after a crash). */
async function movePartitions(deps: WidenDeps, table: TableInput): Promise<void> {
  const partitions = await deps.catalog.listPartitions(deps.database, table.Name)
  if (partitions.every((p) => p.StorageDescriptor.Location.startsWith(table.StorageDescriptor.Location))) return
  await deps.catalog.replaceTable(deps.database, table, partitions.map((p) => relocatedPartition(table, p)))
}

async function allExist(curated: ObjectStore, keys: string[]): Promise<boolean> {
  for (const key of keys) if (!(await curated.head(key))) return false
  return true
}

/** The partitions of `table` that objects under `prefix` (`<k>=<v>/` segments in key order) are in. */
async function partitionsUnder(deps: WidenDeps, table: TableInput, prefix: string): Promise<PartitionInput[]> {
  const found = new Map<string, PartitionInput>()
  for await (const o of deps.curated.list(prefix)) {
    const segments = o.key.slice(prefix.length).split('/').slice(0, -1)
    if (segments.length !== table.PartitionKeys.length) continue
    const values = segments.map((segment, i) => (segment.startsWith(`${table.PartitionKeys[i].Name}=`) ? decodeURIComponent(segment.slice(table.PartitionKeys[i].Name.length + 1)) : undefined))
    if (values.some((v) => v === undefined)) continue
    const dir = `${prefix}${segments.join('/')}/`
    found.set(dir, parquetPartition(table, values as string[], deps.curated.location(dir)))
  }
  return [...found.values()]
}

/** Whether a curated key is a part of the dataset's rejects table (in any folder of it). */
const isRejectsPart = (key: string, dataset: string) => key.startsWith(`${rejectsTable(dataset)}/`)
