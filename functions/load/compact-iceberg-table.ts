import { randomBytes } from 'node:crypto'
import { generationOf } from '../core/lake/generation'
import { compactedFolder, homeOf } from '../core/lake/partition-folders'
import { mergeGroups, type CompactionSettings } from '../core/compaction/merge-plan'
import { mergeParts, partSchema } from '../core/parquet/merge-parts'
import type { DataFile } from '../core/table-format/iceberg/iceberg-model'
import { SYNCED_GENERATION_PROPERTY } from '../core/table-format/iceberg/lake-tables'
import { isMergedDataFile, mergedDataFile, membersOfGroup, type MergedFile } from '../core/table-format/iceberg/merged-files'
import { isIcebergDefinition } from '../core/table-format/iceberg/working-definition'
import { commitTableChange, readPointer } from '../adapters/iceberg-commit'
import { readBytes, readTableMetadata, snapshotManifests } from '../adapters/iceberg-files'
import { liveDataFiles } from '../core/table-format/iceberg/snapshot-plan'
import { currentSnapshot } from '../core/table-format/iceberg/table-metadata'
import { keyOfLocation } from '../adapters/zone-locations'
import type { CompactionOutcome } from './compact-partition'
import { guardMergedFiles, readMergedFile, writeMergedFile } from './iceberg-merges'
import { routingOf, tableSpecOf, type SyncDeps } from './iceberg-sync'

/** The live data files of an Iceberg table's current snapshot, by partition home. */
export type FilesByHome = Map<string, DataFile[]>

/** Which partitions (homes) to compact, given the current snapshot's files by home. */
export type ChooseHomes = (byHome: FilesByHome) => string[]

interface PlannedMerge {
  home: string
  /** The data files it replaces, all live when it was planned. */
  group: DataFile[]
  file: DataFile
}

/**
 * Compacts an Iceberg table as one `replace` snapshot: in each chosen partition, runs of small
 * data files (merge-plan.ts) are merged into files near the target size, written first under
 * new names, then exchanged for the files they merge in one commit. No folder is listed: the
 * files come from the snapshot. No ledger head changes: each merged file's record names its
 * member parts, and a later commit that replaces or retracts one of their source files cuts its
 * rows out in the same snapshot (iceberg-sync.ts). The commit takes a merge only while every
 * file it replaces is still in the snapshot it applies to; a merge a newer commit overtook is
 * left to expiry. The replaced files stay for the snapshots that hold them, and go with them.
 * `choose` may only pick partitions of at least `minFiles` files: a table with fewer in all is
 * left after reading its metadata file, without its manifests.
 */
export async function compactIcebergTable(deps: SyncDeps, table: string, choose: ChooseHomes, minFiles: number, settings: CompactionSettings, clock: () => Date): Promise<CompactionOutcome[]> {
  const routing = routingOf(deps.catalog)
  const definition = routing ? await routing.working.getTable(deps.database, table) : undefined
  if (!routing || !isIcebergDefinition(definition)) return []
  const target = { store: deps.curated, catalog: routing.real, database: deps.database }
  const { location } = await readPointer(target, table)
  if (!location) return []
  const metadata = await readTableMetadata(deps.curated, location)
  // A table of fewer files than a partition must hold to be chosen: its manifests are not read.
  if (Number(currentSnapshot(metadata)?.summary['total-data-files'] ?? 0) < Math.max(2, minFiles)) return []
  // Files of an older partition spec (a partitionBy added since) stay as they are: a merged file
  // is written under the current spec, which the files it replaces must share.
  const manifests = (await snapshotManifests(deps.curated, currentSnapshot(metadata))).filter((m) => m.content.specId === metadata['default-spec-id'])
  const read = { metadata, files: liveDataFiles(manifests) }
  const keyOf = (path: string) => keyOfLocation(deps.curated, path)
  const byHome: FilesByHome = new Map()
  for (const f of read.files) {
    const home = homeOf(keyOf(f.path))
    byHome.set(home, [...(byHome.get(home) ?? []), f])
  }
  const homes = choose(byHome).filter((h) => byHome.has(h)).sort()
  const outcome = (home: string, kind: CompactionOutcome['outcome'], before: number, after = before, note?: string): CompactionOutcome =>
    ({ table, home, outcome: kind, partsBefore: before, partsAfter: after, ...(note ? { note } : {}) })
  // A new generation (a reprocess, a widening) not yet synced is the next sync's to commit.
  if ((read.metadata.properties[SYNCED_GENERATION_PROPERTY] ?? '') !== generationOf(definition!)) {
    return homes.map((h) => outcome(h, 'busy', byHome.get(h)!.length, undefined, 'a new table generation awaits its sync'))
  }
  const now = clock()
  const cid = `${now.getTime().toString(36)}${randomBytes(4).toString('hex')}`
  const small = settings.targetBytes * settings.smallFraction
  const planned: PlannedMerge[] = []
  let merges = 0
  for (const home of homes) {
    const files = [...byHome.get(home)!].sort((a, b) => (a.path < b.path ? -1 : 1))
    const bytes = new Map<string, Uint8Array>()
    for (const f of files) if (f.sizeBytes < small) bytes.set(f.path, await readBytes(deps.curated, keyOf(f.path)))
    const groups = mergeGroups(files.map((f) => ({ key: f.path, size: f.sizeBytes, schema: bytes.has(f.path) ? partSchema(bytes.get(f.path)!) : 'large', excise: false })), settings)
    const byPath = new Map(files.map((f) => [f.path, f]))
    const keys = groups.map((_, i) => `${compactedFolder(home, cid)}${cid}-${String(merges + i).padStart(5, '0')}.parquet`)
    merges += groups.length
    // Written one partition at a time, so only one partition's small files are ever in memory.
    await guardMergedFiles(deps.curated, table, keys, now)
    for (const [i, paths] of groups.entries()) {
      const group = paths.map((p) => byPath.get(p)!)
      const records = new Map<string, MergedFile>()
      for (const f of group) {
        if (!isMergedDataFile(f.path)) continue
        const record = await readMergedFile(deps.curated, table, keyOf(f.path))
        if (!record) throw new Error(`iceberg: merged data file ${f.path} of ${table} is in the current snapshot without its record`)
        records.set(keyOf(f.path), record)
      }
      const members = membersOfGroup(group.map((f) => ({ key: keyOf(f.path), rows: f.recordCount })), records)
      const out = await mergeParts(group.map((f) => ({ bytes: bytes.get(f.path)! })))
      const key = keys[i]!
      await writeMergedFile(deps.curated, table, { key, members }, out.bytes)
      planned.push({ home, group, file: mergedDataFile(deps.curated.location(key), group[0]!, out.rows, out.bytes.length) })
    }
  }
  if (planned.length === 0) return homes.map((h) => outcome(h, 'nothing', byHome.get(h)!.length))
  let taken: PlannedMerge[] = []
  await commitTableChange(target, tableSpecOf(table, definition!), async (current) => {
    const live = new Set(current.map((f) => f.path))
    taken = planned.filter((p) => p.group.every((f) => live.has(f.path)))
    if (taken.length === 0) return undefined
    return { sources: [], rewrite: { removed: taken.flatMap((p) => p.group.map((f) => f.path)), added: taken.map((p) => p.file) } }
  }, now)
  return homes.map((home) => {
    const before = byHome.get(home)!.length
    const mine = planned.filter((p) => p.home === home)
    const landed = taken.filter((p) => p.home === home)
    if (mine.length === 0) return outcome(home, 'nothing', before)
    if (landed.length === 0) return outcome(home, 'busy', before, before, 'its files changed meanwhile')
    return outcome(home, 'compacted', before, before - landed.reduce((n, p) => n + p.group.length - 1, 0))
  })
}
