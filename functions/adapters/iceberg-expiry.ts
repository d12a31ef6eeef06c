import { randomUUID } from 'node:crypto'
import { WriteConflictError } from '../core/errors'
import { DEFAULT_RETENTION_MS, expiredFiles, planExpiry } from '../core/table-format/iceberg/snapshot-expiry'
import { readPointer, swapMetadataLocation, type IcebergTableSpec, type IcebergTarget } from './iceberg-commit'
import { readTableMetadata, snapshotManifests } from './iceberg-files'
import { keyOfLocation } from './zone-locations'

export interface ExpiryResult {
  expiredSnapshots: number
  /** Keys deleted: data files, manifests and manifest lists only expired snapshots referenced. */
  deleted: string[]
}

const MAX_ATTEMPTS = 50

/**
 * Expires the snapshots past retention (snapshot-expiry.ts) by a metadata commit like any other
 * (the pointer swap, applied again on a lost race), then deletes the files only they referenced.
 * The files go after the swap: a crash in between leaves orphans, never a snapshot with missing
 * files.
 */
export async function expireSnapshots(target: IcebergTarget, spec: Pick<IcebergTableSpec, 'name' | 'prefix'>, now: Date, retentionMs = DEFAULT_RETENTION_MS, maxSnapshots = 100): Promise<ExpiryResult> {
  const { store } = target
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { read, location } = await readPointer(target, spec.name)
    if (!location) return { expiredSnapshots: 0, deleted: [] }
    const metadata = await readTableMetadata(store, location)
    const plan = planExpiry(metadata, now, retentionMs, maxSnapshots)
    if (!plan) return { expiredSnapshots: 0, deleted: [] }
    const next = { ...plan.metadata, 'metadata-log': [...plan.metadata['metadata-log'], { 'timestamp-ms': metadata['last-updated-ms'], 'metadata-file': location }] }
    const key = `${spec.prefix}metadata/${String(metadata['last-sequence-number']).padStart(5, '0')}-expiry-${randomUUID()}.metadata.json`
    await store.writeText(key, `${JSON.stringify(next, null, 2)}\n`, { ifNoneMatch: '*' })
    try {
      await swapMetadataLocation(target, spec, next, read, store.location(key))
    } catch (error) {
      if (!(error instanceof WriteConflictError)) throw error
      await store.delete([key])
      continue
    }
    const files = expiredFiles(
      await Promise.all(plan.expired.map(async (snapshot) => ({ snapshot, manifests: await snapshotManifests(store, snapshot) }))),
      await Promise.all(plan.retained.map((s) => snapshotManifests(store, s))),
    )
    const deleted = [...files.dataFiles, ...files.manifests, ...files.manifestLists].map((l) => keyOfLocation(store, l))
    await store.delete(deleted)
    return { expiredSnapshots: plan.expired.length, deleted }
  }
  throw new WriteConflictError(`iceberg: expiry of ${spec.name} lost ${MAX_ATTEMPTS} races in a row`)
}
