import { rejectsTable } from '../core/lake/lake-layout'
import { DEFAULT_RETENTION_MS, MIN_RETENTION_MS, RetentionSettingError } from '../core/table-format/iceberg/snapshot-expiry'
import { retiredPrefix, type RetiredParts } from '../core/table-format/iceberg/lake-tables'
import { liveDataFiles } from '../core/table-format/iceberg/snapshot-plan'
import { expireSnapshots } from '../adapters/iceberg-expiry'
import { readPointer } from '../adapters/iceberg-commit'
import { readTableMetadata, snapshotManifests } from '../adapters/iceberg-files'
import { keyOfLocation } from '../adapters/zone-locations'
import { realCatalog } from '../adapters/table-format-catalog'
import { isIcebergDataset, type SyncDeps } from './iceberg-sync'
import { forgetMergedFiles } from './iceberg-merges'

/** What an expiry pass did to one table. */
export interface TableExpiry {
  table: string
  expiredSnapshots: number
  /** Data files deleted: only expired snapshots held them, or they were retired past retention. */
  deletedFiles: number
  /** Retired records settled. */
  settled: number
}

/** How much one pass does at most: snapshots expired and retired records settled, per table. */
export interface ExpiryBounds {
  retentionMs?: number
  maxSnapshots?: number
  maxRetired?: number
}

/**
 * Expires an Iceberg dataset's snapshots past the retention (both tables), then deletes the parts
 * that left the ledger more than the retention ago and that no retained snapshot holds. A pass is
 * bounded (`maxSnapshots`, `maxRetired`): what is left waits for the next. A Hive dataset: nothing.
 */
export async function expireDataset(deps: SyncDeps, dataset: string, now: Date, bounds: ExpiryBounds = {}): Promise<TableExpiry[]> {
  const retentionMs = bounds.retentionMs ?? DEFAULT_RETENTION_MS
  if (!(retentionMs >= MIN_RETENTION_MS)) throw new RetentionSettingError(`expire: a retention of ${retentionMs / 3_600_000} h is shorter than the least allowed, 1 h`)
  if (!(await isIcebergDataset(deps, dataset))) return []
  const target = { store: deps.curated, catalog: realCatalog(deps.catalog), database: deps.database }
  const results: TableExpiry[] = []
  for (const table of [dataset, rejectsTable(dataset)]) {
    const { location } = await readPointer(target, table)
    if (!location) continue
    const expired = await expireSnapshots(target, { name: table, prefix: `${table}/` }, now, retentionMs, bounds.maxSnapshots ?? 100)
    await forgetMergedFiles(deps.curated, table, expired.deleted)
    const dataDeleted = expired.deleted.filter((k) => k.endsWith('.parquet')).length
    const retired = await settleRetired(deps, target, table, now, retentionMs, bounds.maxRetired ?? 100)
    results.push({ table, expiredSnapshots: expired.expiredSnapshots, deletedFiles: dataDeleted + retired.deleted, settled: retired.settled })
  }
  return results
}

/**
 * Deletes the parts of retired records older than the retention that no retained snapshot holds
 * (a snapshot can only gain a part while its version is a ledger head, which a retired part's no
 * longer is), then the records.
 */
async function settleRetired(deps: SyncDeps, target: { store: SyncDeps['curated']; catalog: ReturnType<typeof realCatalog>; database: string }, table: string, now: Date, retentionMs: number, max: number): Promise<{ deleted: number; settled: number }> {
  const due: { key: string; record: RetiredParts }[] = []
  for await (const o of deps.curated.list(retiredPrefix(table))) {
    if (due.length >= max) break
    const text = await deps.curated.readText(o.key)
    if (!text) continue
    const record = JSON.parse(text) as RetiredParts
    if (now.getTime() - Date.parse(record.retiredAt) > retentionMs) due.push({ key: o.key, record })
  }
  if (due.length === 0) return { deleted: 0, settled: 0 }
  const { location } = await readPointer(target, table)
  const held = new Set<string>()
  if (location) {
    const metadata = await readTableMetadata(deps.curated, location)
    const seen = new Set<string>()
    for (const snapshot of metadata.snapshots) {
      const manifests = (await snapshotManifests(deps.curated, snapshot)).filter((m) => !seen.has(m.file.path))
      for (const m of manifests) seen.add(m.file.path)
      for (const f of liveDataFiles(manifests)) held.add(keyOfLocation(deps.curated, f.path))
    }
  }
  const keys = [...new Set(due.flatMap((d) => d.record.keys))].filter((k) => !held.has(k))
  await deps.curated.delete(keys)
  await forgetMergedFiles(deps.curated, table, keys)
  await deps.curated.delete(due.map((d) => d.key))
  return { deleted: keys.length, settled: due.length }
}
