import { randomBytes, randomUUID } from 'node:crypto'
import { compactedFolder, homeOf } from '../core/lake/partition-folders'
import type { ObjectStore } from '../core/lake/object-store'
import { mergeParts } from '../core/parquet/merge-parts'
import { readBytes, writeBytes } from '../adapters/iceberg-files'
import type { DataFile } from '../core/table-format/iceberg/iceberg-model'
import { retiredKey, tableOfKey, type RetiredParts } from '../core/table-format/iceberg/lake-tables'
import { sourceOfDataFile } from '../core/table-format/iceberg/data-file-source'
import {
  cutMerged, isMergedDataFile, mergedDataFile, mergedRecordKey, sharedIndexKey, sharedIndexPrefix, sourcesOf, type MergedFile,
} from '../core/table-format/iceberg/merged-files'
import type { FileRewrite } from '../core/table-format/iceberg/snapshot-plan'

/** The record of a merged data file, or undefined when it has none (expired, or never written). */
export async function readMergedFile(store: ObjectStore, table: string, key: string): Promise<MergedFile | undefined> {
  const text = await store.readText(mergedRecordKey(table, key))
  return text ? (JSON.parse(text) as MergedFile) : undefined
}

/**
 * The merged data files of the current snapshot (`current`) that hold rows of any of `sources`,
 * by key: one listing of each source's index entries, and one read per merged file found. A
 * snapshot without merged files costs nothing.
 */
export async function mergedHolding(store: ObjectStore, table: string, sources: Iterable<string>, current: DataFile[], keyOf: (path: string) => string): Promise<Map<string, MergedFile>> {
  const live = new Map<string, string>()
  for (const f of current) if (isMergedDataFile(f.path)) live.set(nameOf(f.path), keyOf(f.path))
  const found = new Map<string, MergedFile>()
  if (live.size === 0) return found
  for (const source of sources) {
    for await (const o of store.list(sharedIndexPrefix(table, source))) {
      const key = live.get(o.key.slice(o.key.lastIndexOf('/') + 1))
      if (!key || found.has(key)) continue
      const record = await readMergedFile(store, table, key)
      if (!record) throw new Error(`iceberg: merged data file ${key} of ${table} is in the current snapshot without its record`)
      found.set(key, record)
    }
  }
  return found
}

/** Every merged data file of `current` with its record (a rewrite of the whole table reads them all). */
export async function everyMergedFile(store: ObjectStore, table: string, current: DataFile[], keyOf: (path: string) => string): Promise<Map<string, MergedFile>> {
  const found = new Map<string, MergedFile>()
  for (const f of current) {
    if (!isMergedDataFile(f.path)) continue
    const key = keyOf(f.path)
    const record = await readMergedFile(store, table, key)
    if (!record) throw new Error(`iceberg: merged data file ${key} of ${table} is in the current snapshot without its record`)
    found.set(key, record)
  }
  return found
}

/**
 * Records merged data files about to be written as retired now: should no snapshot ever take
 * them (a lost race, a crash, a compaction that found its parts changed), expiry deletes them
 * once the retention has passed; one a snapshot holds is left alone.
 */
export async function guardMergedFiles(store: ObjectStore, table: string, keys: string[], now: Date): Promise<void> {
  if (keys.length === 0) return
  const record: RetiredParts = { retiredAt: now.toISOString(), keys }
  await store.writeText(retiredKey(table, now, randomUUID().slice(0, 8)), JSON.stringify(record))
}

/** Writes a merged data file: its record and index entries first, so a snapshot never holds one without them. */
export async function writeMergedFile(store: ObjectStore, table: string, merged: MergedFile, bytes: Uint8Array): Promise<void> {
  await store.writeText(mergedRecordKey(table, merged.key), JSON.stringify(merged))
  for (const source of sourcesOf(merged)) await store.writeText(sharedIndexKey(table, source, merged.key), merged.key)
  await writeBytes(store, merged.key, bytes)
}

/**
 * Merged data files without the rows of the `dropped` sources, for a commit that changes those
 * sources: each file is written again with the rows of its other members (copy-on-write), or
 * just removed when it held no other. The new files sit beside the old ones' partitions, named
 * by a new cut id; they are guarded until a snapshot takes them.
 */
export async function cutMergedFiles(store: ObjectStore, table: string, merged: MergedFile[], dropped: ReadonlySet<string>, current: DataFile[], now: Date): Promise<FileRewrite> {
  const rewrite: FileRewrite = { removed: [], added: [] }
  const byPath = new Map(current.map((f) => [f.path, f]))
  const cid = `${now.getTime().toString(36)}${randomBytes(4).toString('hex')}`
  const cuts = merged.map((m, i) => ({ m, ...cutMerged(m, dropped), key: `${compactedFolder(homeOf(m.key), cid)}${cid}-${String(i).padStart(5, '0')}.parquet` }))
  await guardMergedFiles(store, table, cuts.filter((c) => c.members.length > 0).map((c) => c.key), now)
  for (const cut of cuts) {
    const old = byPath.get(store.location(cut.m.key))
    if (!old) throw new Error(`iceberg: merged data file ${cut.m.key} is not in the snapshot it is cut from`)
    rewrite.removed.push(old.path)
    if (cut.members.length === 0) continue
    const out = await mergeParts([{ bytes: await readBytes(store, cut.m.key), keepRows: cut.keepRows }])
    await writeMergedFile(store, table, { key: cut.key, members: cut.members }, out.bytes)
    rewrite.added.push(mergedDataFile(store.location(cut.key), old, out.rows, out.bytes.length))
  }
  return rewrite
}

/**
 * Removes the records and index entries of merged data files that were deleted (expiry deleted
 * them, or they were never taken by a snapshot).
 */
export async function forgetMergedFiles(store: ObjectStore, table: string, keys: string[]): Promise<void> {
  for (const key of keys.filter(isMergedDataFile)) {
    const record = await readMergedFile(store, table, key)
    if (record) await store.delete(sourcesOf(record).map((s) => sharedIndexKey(table, s, key)))
    await store.delete([mergedRecordKey(table, key)])
  }
}

const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1).replace(/\.parquet$/, '')

/**
 * Writes at `to` the rows of a published part that an Iceberg compaction merged and that has
 * since been deleted, cut from a merged data file that holds them (found through its source's
 * index entries). False when no merged file holds the part (a Hive table's part, or one never
 * merged).
 */
export async function restoreMergedPart(store: ObjectStore, key: string, to: string): Promise<boolean> {
  const table = tableOfKey(key)
  for await (const o of store.list(sharedIndexPrefix(table, sourceOfDataFile(key)))) {
    const mergedKey = await store.readText(o.key)
    const record = mergedKey ? await readMergedFile(store, table, mergedKey) : undefined
    if (!record || !(await store.head(record.key))) continue
    let row = 0
    for (const member of record.members) {
      if (member.part === key) {
        const out = await mergeParts([{ bytes: await readBytes(store, record.key), keepRows: [[row, row + member.rows]] }])
        await writeBytes(store, to, out.bytes)
        return true
      }
      row += member.rows
    }
  }
  return false
}
