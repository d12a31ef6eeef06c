import { randomBytes } from 'node:crypto'
import { compactionRecordKey, exciseKey, homeLayout, homeOf, inflightKey, layoutKey, type CompactionRecord, type PartitionLayout } from '../core/compaction/compaction-layout'
import { WriteConflictError } from '../core/errors'
import type { ObjectStore } from '../core/lake/object-store'

/** A partition's layout and the etag it was read at (none while it was never moved or claimed). */
export interface ReadLayout {
  layout: PartitionLayout
  etag?: string
}

export async function readLayout(curated: ObjectStore, dataset: string, home: string): Promise<ReadLayout> {
  const read = await curated.readVersioned(layoutKey(dataset, home))
  return read ? { layout: JSON.parse(read.text) as PartitionLayout, etag: read.etag } : { layout: homeLayout(home) }
}

/** Replaces the layout read with `next` by compare-and-swap; false when it changed meanwhile. */
export async function swapLayout(curated: ObjectStore, dataset: string, read: ReadLayout, next: PartitionLayout): Promise<boolean> {
  try {
    await curated.writeText(layoutKey(dataset, next.home), JSON.stringify(next), read.etag ? { ifMatch: read.etag } : { ifNoneMatch: '*' })
    return true
  } catch (error) {
    if (error instanceof WriteConflictError) return false
    throw error
  }
}

/** The layout without its claim: where a compaction that gives up or is undone leaves it. */
export function unclaimed(layout: PartitionLayout): PartitionLayout {
  const { claim: _claim, ...rest } = layout
  return rest
}

export async function readRecord(curated: ObjectStore, dataset: string, home: string): Promise<CompactionRecord | undefined> {
  const text = await curated.readText(compactionRecordKey(dataset, home))
  return text ? (JSON.parse(text) as CompactionRecord) : undefined
}

/**
 * Marks the partitions of compacted parts that hold rows of a file version about to be replaced
 * or retracted: the next compaction of each rewrites them without those rows. Written before
 * the head swap, so a crash cannot lose it; a mark whose swap then lost only costs a rewrite.
 * The planner plans the file again when a mark outlives any Load (see plan-step.ts), so the Load
 * that follows takes the mark up even if the one that wrote it crashed.
 */
export async function markExcise(curated: ObjectStore, dataset: string, fileId: string, shared: string[] | undefined, now: Date): Promise<string[]> {
  const homes = [...new Set((shared ?? []).map(homeOf))]
  for (const home of homes) {
    await curated.writeText(exciseKey(dataset, home, fileId, now, randomBytes(6).toString('hex')), JSON.stringify({ home, fileId, at: now.toISOString() }))
  }
  return homes
}

/**
 * Marks each home a publish will write into with an in-flight marker naming its intent (see
 * compaction-layout.ts), before the intent itself is written: a compaction finds the publishes
 * that may still write into its partition by listing that partition's folder, not the ledger.
 */
export async function markInflight(curated: ObjectStore, dataset: string, fileId: string, publishId: string, intent: string, homes: string[]): Promise<void> {
  await Promise.all(homes.map((home) => curated.writeText(inflightKey(dataset, home, fileId, publishId), JSON.stringify({ intent }))))
}

/** Where a part published for `home` goes: the partition's current folder. */
export function relocate(key: string, layouts: Map<string, PartitionLayout>): string {
  const home = homeOf(key)
  const layout = layouts.get(home)
  return layout && layout.location !== home ? `${layout.location}${key.slice(key.lastIndexOf('/') + 1)}` : key
}
