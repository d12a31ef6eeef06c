import type { DataFile, ManifestContent, ManifestEntry, ManifestFile, Snapshot, TableMetadata } from './iceberg-model'
import { partitionSummaries } from './partition-summary'

/**
 * What one source file's new version brings: its data files. An empty list retracts the
 * source (its raw file is gone); a source the table holds already is replaced as a whole.
 */
export interface SourceChange {
  source: string
  files: DataFile[]
}

/**
 * Data files that give way to others holding the same rows (a compaction's merged files), or
 * the same rows but those of replaced sources (a merged file cut): by location.
 */
export interface FileRewrite {
  removed: string[]
  added: DataFile[]
}

/** What one commit does to a table: one snapshot for every source file of a dataset's batch. */
export interface TableChange {
  sources: SourceChange[]
  /** Merged data files replaced in the same snapshot (merged-files.ts). */
  rewrite?: FileRewrite
  /** Recorded in the snapshot summary, for `history`. */
  runId?: string
}

/** A manifest of the current snapshot: its row in the manifest list and its decoded content. */
export interface LiveManifest {
  file: ManifestFile
  content: ManifestContent
}

/** The new snapshot, short of its manifest list's location and the lengths of new manifests. */
export interface SnapshotPlan {
  snapshotId: number
  sequenceNumber: number
  operation: Snapshot['summary']['operation']
  /** Manifests this snapshot writes (added files; manifests rewritten without removed files). */
  written: ManifestContent[]
  /** Manifests of the parent carried over unchanged. */
  kept: ManifestFile[]
  added: DataFile[]
  removed: DataFile[]
}

/** Where the snapshot's new manifests go, and its id. */
export interface SnapshotNames {
  snapshotId: number
  manifestPath: (index: number) => string
}

/**
 * Plans the snapshot applying `change` to the current snapshot's manifests. A manifest holding
 * none of the replaced or retracted sources is kept as it is; one that does is rewritten with
 * those files as deleted entries and the rest as existing ones; one with no live entry left is
 * dropped; the new files go into one new manifest. When the snapshot would list more than
 * MERGE_MANIFESTS_AT manifests, its small kept manifests (fewer than MANIFEST_TARGET_FILES live
 * files) are merged into one, their files as existing entries: a commit reads every manifest of
 * the snapshot it applies to, and so their number stays bounded by the table's files over the
 * target, plus the merge threshold, however many commits the table has had.
 */
export function planSnapshot(metadata: TableMetadata, live: LiveManifest[], change: TableChange, names: SnapshotNames): SnapshotPlan {
  const specId = metadata['default-spec-id']
  const schemaId = metadata['current-schema-id']
  const sequenceNumber = metadata['last-sequence-number'] + 1
  const { snapshotId } = names
  const touched = new Set(change.sources.map((s) => s.source))
  const rewritten = new Set(change.rewrite?.removed ?? [])
  const gone = (file: DataFile) => touched.has(file.source) || rewritten.has(file.path)
  const written: ManifestContent[] = []
  const kept: ManifestFile[] = []
  const removed: DataFile[] = []
  for (const manifest of live) {
    const entries = manifest.content.entries.filter((e) => e.status !== 2)
    // A manifest left with deleted entries only served the snapshot that wrote it.
    if (entries.length === 0) continue
    if (!entries.some((e) => gone(e.file))) {
      kept.push(manifest.file)
      continue
    }
    const rewritten: ManifestEntry[] = entries.map((e) => {
      const leaves = gone(e.file)
      if (leaves) removed.push(e.file)
      return { ...e, status: leaves ? 2 : 0, snapshotId: leaves ? snapshotId : e.snapshotId }
    })
    written.push({ path: names.manifestPath(written.length), specId: manifest.content.specId, schemaId, addedSnapshotId: snapshotId, entries: rewritten })
  }
  const added = [...change.sources.flatMap((s) => s.files), ...(change.rewrite?.added ?? [])]
  if (added.length > 0) {
    written.push({ path: names.manifestPath(written.length), specId, schemaId, addedSnapshotId: snapshotId, entries: added.map((file) => ({ status: 1, snapshotId, file })) })
  }
  const merged = mergeSmallManifests(live, kept, written.length, specId, { schemaId, snapshotId, path: names.manifestPath(written.length) })
  if (merged) {
    written.push(merged.content)
    kept.splice(0, kept.length, ...merged.kept)
  }
  // Only merged files exchanged for the files they merge: the rows are the same ones.
  const operation = change.sources.length === 0 && change.rewrite && sameRows(removed, added) ? 'replace' : removed.length === 0 ? 'append' : added.length === 0 ? 'delete' : 'overwrite'
  return { snapshotId, sequenceNumber, operation, written, kept, added, removed }
}

const sameRows = (a: DataFile[], b: DataFile[]) => a.reduce((n, f) => n + f.recordCount, 0) === b.reduce((n, f) => n + f.recordCount, 0)

/** Manifests a snapshot may list before its small ones are merged. */
export const MERGE_MANIFESTS_AT = 16
/** Live files under which a manifest counts as small (Iceberg merges toward a size, 8 MB; files stand for it). */
export const MANIFEST_TARGET_FILES = 10_000

/**
 * The merge of the small kept manifests of the default spec into one, when the snapshot would list
 * more than MERGE_MANIFESTS_AT: the merged content, and the kept manifests left as they are.
 */
function mergeSmallManifests(
  live: LiveManifest[], kept: ManifestFile[], writtenCount: number, specId: number, names: { schemaId: number; snapshotId: number; path: string },
): { content: ManifestContent; kept: ManifestFile[] } | undefined {
  if (kept.length + writtenCount <= MERGE_MANIFESTS_AT) return undefined
  const contents = new Map(live.map((m) => [m.file.path, m.content]))
  const liveFiles = (m: ManifestFile) => m.addedFilesCount + m.existingFilesCount
  const small = kept.filter((m) => m.specId === specId && liveFiles(m) < MANIFEST_TARGET_FILES)
  if (small.length < 2) return undefined
  const entries: ManifestEntry[] = small.flatMap((m) => contents.get(m.path)!.entries.filter((e) => e.status !== 2).map((e) => ({ ...e, status: 0 as const })))
  return {
    content: { path: names.path, specId, schemaId: names.schemaId, addedSnapshotId: names.snapshotId, entries },
    kept: kept.filter((m) => !small.includes(m)),
  }
}

/**
 * The manifest list row of a manifest this snapshot wrote, `length` bytes long once encoded.
 * Added entries take the snapshot's sequence number by inheritance.
 */
export function manifestFileOf(metadata: TableMetadata, content: ManifestContent, length: number, sequenceNumber: number): ManifestFile {
  const count = (status: number) => content.entries.filter((e) => e.status === status)
  const rows = (entries: ManifestEntry[]) => entries.reduce((n, e) => n + e.file.recordCount, 0)
  const live = content.entries.filter((e) => e.status !== 2)
  const spec = metadata['partition-specs'].find((s) => s['spec-id'] === content.specId)
  const schema = metadata.schemas.find((s) => s['schema-id'] === content.schemaId)
  if (!spec || !schema) throw new Error(`iceberg: manifest ${content.path} names spec ${content.specId} or schema ${content.schemaId} the table lacks`)
  return {
    path: content.path,
    length,
    specId: content.specId,
    content: 0,
    sequenceNumber,
    minSequenceNumber: Math.min(sequenceNumber, ...live.map((e) => (e.status === 1 ? sequenceNumber : (e.sequenceNumber ?? sequenceNumber)))),
    addedSnapshotId: content.addedSnapshotId,
    addedFilesCount: count(1).length,
    existingFilesCount: count(0).length,
    deletedFilesCount: count(2).length,
    addedRowsCount: rows(count(1)),
    existingRowsCount: rows(count(0)),
    deletedRowsCount: rows(count(2)),
    partitions: partitionSummaries(spec, schema, live.map((e) => e.file)),
  }
}

/**
 * A decoded manifest's entries with what they inherit from their manifest list row filled in:
 * added entries written with null sequence numbers take the manifest's.
 */
export function inheritSequenceNumbers(content: ManifestContent, file: ManifestFile): ManifestContent {
  return {
    ...content,
    entries: content.entries.map((e) => ({
      ...e,
      sequenceNumber: e.sequenceNumber ?? (e.status === 1 ? file.sequenceNumber : undefined),
      fileSequenceNumber: e.fileSequenceNumber ?? (e.status === 1 ? file.sequenceNumber : undefined),
    })),
  }
}

/** The data files a snapshot's manifests hold: every entry that is not deleted. */
export function liveDataFiles(live: LiveManifest[]): DataFile[] {
  return live.flatMap((m) => m.content.entries.filter((e) => e.status !== 2).map((e) => e.file))
}

/** The snapshot summary: the operation, what it changed and the totals after it. */
export function snapshotSummary(plan: SnapshotPlan, parent: Snapshot | undefined, runId?: string): Snapshot['summary'] {
  const total = (key: string) => Number(parent?.summary[key] ?? 0)
  const rows = (files: DataFile[]) => files.reduce((n, f) => n + f.recordCount, 0)
  const bytes = (files: DataFile[]) => files.reduce((n, f) => n + f.sizeBytes, 0)
  return {
    operation: plan.operation,
    'added-data-files': String(plan.added.length),
    'deleted-data-files': String(plan.removed.length),
    'added-records': String(rows(plan.added)),
    'deleted-records': String(rows(plan.removed)),
    'added-files-size': String(bytes(plan.added)),
    'removed-files-size': String(bytes(plan.removed)),
    'total-data-files': String(total('total-data-files') + plan.added.length - plan.removed.length),
    'total-records': String(total('total-records') + rows(plan.added) - rows(plan.removed)),
    'total-files-size': String(total('total-files-size') + bytes(plan.added) - bytes(plan.removed)),
    'total-delete-files': '0',
    'total-position-deletes': '0',
    'total-equality-deletes': '0',
    ...(runId ? { 'sluice.run-id': runId } : {}),
  }
}
