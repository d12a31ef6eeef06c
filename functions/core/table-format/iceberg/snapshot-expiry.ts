import { SluiceError } from '../../errors'
import type { DataFile, Snapshot, TableMetadata } from './iceberg-model'
import { liveDataFiles, type LiveManifest } from './snapshot-plan'

/** A retention shorter than the least sluice allows. */
export class RetentionSettingError extends SluiceError {}

/** The shortest retention: readers and time travel may rely on an hour. */
export const MIN_RETENTION_MS = 3_600_000
/** The default retention: a day. */
export const DEFAULT_RETENTION_MS = 24 * MIN_RETENTION_MS

/** Which snapshots an expiry pass drops, and the metadata without them. */
export interface ExpiryPlan {
  expired: Snapshot[]
  retained: Snapshot[]
  metadata: TableMetadata
}

/**
 * Plans an expiry pass. A snapshot expires once it stopped being current more than `retentionMs`
 * ago (the snapshot after it in `snapshot-log` is older than that), so a query as of any time in
 * the retention window still finds its snapshot and every file of it; the current snapshot never
 * expires. At most `maxSnapshots` go per pass, oldest first, which bounds the work. Undefined when
 * nothing is due.
 */
export function planExpiry(metadata: TableMetadata, now: Date, retentionMs = DEFAULT_RETENTION_MS, maxSnapshots = 100): ExpiryPlan | undefined {
  if (!(retentionMs >= MIN_RETENTION_MS)) throw new RetentionSettingError(`iceberg: retention ${retentionMs} ms is shorter than the least allowed, ${MIN_RETENTION_MS} ms (1 h)`)
  const cutoff = now.getTime() - retentionMs
  const log = metadata['snapshot-log']
  const replacedAt = new Map<number, number>()
  log.forEach((e, i) => {
    if (i + 1 < log.length) replacedAt.set(e['snapshot-id'], log[i + 1]['timestamp-ms'])
  })
  const pinned = new Set([metadata['current-snapshot-id'], ...Object.values(metadata.refs).map((r) => r['snapshot-id'])])
  const due = metadata.snapshots
    .filter((s) => !pinned.has(s['snapshot-id']) && (replacedAt.get(s['snapshot-id']) ?? Infinity) < cutoff)
    .sort((a, b) => a['sequence-number'] - b['sequence-number'])
    .slice(0, maxSnapshots)
  if (due.length === 0) return undefined
  const gone = new Set(due.map((s) => s['snapshot-id']))
  const retained = metadata.snapshots.filter((s) => !gone.has(s['snapshot-id']))
  return {
    expired: due,
    retained,
    metadata: { ...metadata, snapshots: retained, 'snapshot-log': log.filter((e) => !gone.has(e['snapshot-id'])), 'last-updated-ms': now.getTime() },
  }
}

/** The files an expiry may delete once its metadata is committed. */
export interface ExpiredFiles {
  dataFiles: string[]
  manifests: string[]
  manifestLists: string[]
}

/**
 * The files only expired snapshots reference: their data files, manifests and manifest lists
 * that no retained snapshot reads.
 */
export function expiredFiles(expired: { snapshot: Snapshot; manifests: LiveManifest[] }[], retained: LiveManifest[][]): ExpiredFiles {
  const keptData = new Set(retained.flatMap((m) => liveDataFiles(m)).map((f: DataFile) => f.path))
  const keptManifests = new Set(retained.flatMap((m) => m.map((x) => x.file.path)))
  const dataFiles = new Set(expired.flatMap((e) => liveDataFiles(e.manifests)).map((f) => f.path).filter((p) => !keptData.has(p)))
  const manifests = new Set(expired.flatMap((e) => e.manifests.map((m) => m.file.path)).filter((p) => !keptManifests.has(p)))
  return { dataFiles: [...dataFiles], manifests: [...manifests], manifestLists: expired.map((e) => e.snapshot['manifest-list']) }
}
