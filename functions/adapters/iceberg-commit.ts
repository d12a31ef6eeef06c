import { randomInt, randomUUID } from 'node:crypto'
import type { Catalog, VersionedTable } from '../core/lake/catalog'
import type { ObjectStore } from '../core/lake/object-store'
import { WriteConflictError } from '../core/errors'
import type { DataFile, IcebergSchema, ManifestFile, Snapshot, TableMetadata } from '../core/table-format/iceberg/iceberg-model'
import { snapshotAsOf } from '../core/table-format/iceberg/time-travel'
import { evolveSchema, icebergType, INGEST_DATE_COLUMN, isPromotion, type TableColumn } from '../core/table-format/iceberg/iceberg-schema'
import { partitionSpec } from '../core/table-format/iceberg/partition-spec'
import { liveDataFiles, manifestFileOf, planSnapshot, type TableChange } from '../core/table-format/iceberg/snapshot-plan'
import { currentSnapshot, newTableMetadata, withPartitionSpec, withSchema, withSnapshot } from '../core/table-format/iceberg/table-metadata'
import { assertRebasable, CommitConflictError } from '../core/table-format/iceberg/commit-rebase'
import { icebergTableInput, metadataLocationOf, TableFormatMismatchError } from '../core/table-format/iceberg/iceberg-table-input'
import { encodeManifest, encodeManifestList } from './iceberg-avro'
import { readTableMetadata, snapshotDataFiles, snapshotManifests, writeBytes } from './iceberg-files'
import { keyOfLocation } from './zone-locations'
import { realCatalog } from './table-format-catalog'

/**
 * Where an Iceberg table lives: a zone of the lake and the catalog holding its pointer (the real
 * catalog behind a workflow catalog, never a working definition).
 */
export interface IcebergTarget {
  store: ObjectStore
  catalog: Catalog
  database: string
}

/** The table a commit is for: its name, its folder in the zone (ending in `/`), its columns. */
export interface IcebergTableSpec {
  name: string
  prefix: string
  columns: TableColumn[]
  partitionBy?: string[]
  /** Columns renamed in place, new name → the name before (working-definition.ts `renamesOf`): they keep their field ids. */
  renames?: Record<string, string>
}

export interface CommitResult {
  /** Undefined when a change worked out from the current files turned out to change nothing. */
  snapshotId?: number
  metadataLocation: string
  /** How many times the commit was planned: 1 when no other commit came in between. */
  attempts: number
}

/**
 * A change worked out on each attempt, after the catalog's pointer was read, from the data files
 * of the snapshot it will apply to: a sync from a truth kept elsewhere (the ledger). Undefined
 * when there is nothing to change. No rebase check applies to it: a lost race works it out again.
 */
export type ChangeSource = (current: DataFile[], metadata: TableMetadata) => Promise<TableChange | undefined>

export interface CommitOptions {
  /** The snapshot the change was planned on, when that was before this call. */
  baseSnapshotId?: number
  /** A Hive definition of the table in the catalog is replaced by the Iceberg one (a conversion). */
  adopt?: boolean
  /**
   * Columns whose type changed in a way Iceberg cannot promote take a new field id (the old one
   * is dropped): only for a change that replaces every data file (a rewrite of the table).
   */
  retype?: boolean
  /** Table properties to set with the commit. */
  properties?: Record<string, string>
}

/** How many times a commit that loses the race is applied again before it gives up. */
const MAX_ATTEMPTS = 50

/** The catalog's pointer for a table, with the version a swap is conditional on. */
export async function readPointer(target: IcebergTarget, name: string): Promise<{ read?: VersionedTable; location?: string }> {
  const read = await realCatalog(target.catalog).readTable(target.database, name)
  return { ...(read ? { read } : {}), ...(read ? { location: metadataLocationOf(read.table) } : {}) }
}

/**
 * Swaps the table's `metadata_location` from the one read to `next`, keeping the read one as
 * `previous_metadata_location`: conditional on the catalog version read (Glue's `VersionId`,
 * the local catalog's counter), as Iceberg's Glue catalog does. WriteConflictError when another
 * commit swapped first. A table not yet in the catalog is created.
 */
export async function swapMetadataLocation(target: IcebergTarget, spec: Pick<IcebergTableSpec, 'name' | 'prefix'>, metadata: TableMetadata, read: VersionedTable | undefined, next: string): Promise<void> {
  const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id'])!
  const previous = metadataLocationOf(read?.table)
  const table = icebergTableInput(spec.name, target.store.location(spec.prefix), schema, next, previous)
  const catalog = realCatalog(target.catalog)
  if (read) await catalog.updateTable(target.database, table, read.version, { skipArchive: true })
  else await catalog.createTable(target.database, table)
}

/**
 * Commits a change to an Iceberg table as one snapshot: evolves the schema to `columns`, writes
 * the new manifests, manifest list and metadata file under names no other commit uses, then
 * swaps the catalog's pointer. A commit that loses the swap is planned again on the snapshot
 * that won, unless that snapshot changed one of the same source files (CommitConflictError:
 * the caller plans the file again). Files of a lost attempt are removed. `baseSnapshotId` is the
 * snapshot the caller planned the change on, when that was before this call: the check then
 * covers the commits since, not only those that race with this call.
 */
export async function commitTableChange(target: IcebergTarget, spec: IcebergTableSpec, source: TableChange | ChangeSource, now: Date, options: CommitOptions = {}): Promise<CommitResult> {
  const { store } = target
  const snapshotId = randomInt(1, 2 ** 48)
  let base: DataFile[] | undefined
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { read, location } = await readPointer(target, spec.name)
    if (read && !location && !options.adopt) throw new TableFormatMismatchError(`iceberg: catalog table ${target.database}.${spec.name} is not an Iceberg table (convert it first)`)
    let metadata = location ? await readTableMetadata(store, location) : undefined
    const before = metadata
    const current = metadata?.schemas.find((s) => s['schema-id'] === metadata!['current-schema-id'])
    const renames = spec.renames ?? {}
    const evolved = evolveSchema(options.retype && current ? withoutRetyped(current, spec.columns, renames) : current, spec.columns, metadata?.['last-column-id'] ?? 0, renames)
    metadata = metadata
      ? withSchema(metadata, evolved.schema, evolved.lastColumnId, renames)
      : newTableMetadata({ uuid: randomUUID(), location: store.location(spec.prefix).replace(/\/$/, ''), schema: evolved.schema, spec: partitionSpec(evolved.schema, spec.partitionBy), now })
    if (location) metadata = withPartitionSpec(metadata, partitionSpec(evolved.schema, spec.partitionBy))
    if (options.properties) metadata = { ...metadata, properties: { ...metadata.properties, ...options.properties } }
    const live = await snapshotManifests(store, currentSnapshot(metadata))
    const files = liveDataFiles(live)
    let change: TableChange
    if (typeof source === 'function') {
      const worked = await source(files, metadata)
      if (!worked) return { metadataLocation: location ?? '', attempts: attempt }
      change = worked
    } else {
      change = source
      if (base === undefined && options.baseSnapshotId !== undefined && options.baseSnapshotId !== currentSnapshot(metadata)?.['snapshot-id']) {
        const planned = metadata.snapshots.find((s) => s['snapshot-id'] === options.baseSnapshotId)
        if (!planned) throw new CommitConflictError(`iceberg: snapshot ${options.baseSnapshotId} of ${spec.name}, which the change was planned on, is no longer retained`)
        base = await snapshotDataFiles(store, planned)
      }
      if (base === undefined) base = files
      else assertRebasable(change, base, files, spec.name)
    }

    const tag = `${snapshotId}-${attempt}-${randomUUID()}`
    const metaPrefix = `${spec.prefix}metadata/`
    if (before && location && change.sources.length === 0 && !change.rewrite) {
      // No data file changes: only the schema, spec or properties may, in a metadata-only commit.
      if (sameDefinition(before, metadata)) return { metadataLocation: location, attempts: attempt }
      const next: TableMetadata = { ...metadata, 'last-updated-ms': now.getTime(), 'metadata-log': [...metadata['metadata-log'], { 'timestamp-ms': before['last-updated-ms'], 'metadata-file': location }] }
      const metadataKey = `${metaPrefix}${String(metadata['last-sequence-number']).padStart(5, '0')}-${tag}.metadata.json`
      await store.writeText(metadataKey, `${JSON.stringify(next, null, 2)}\n`, { ifNoneMatch: '*' })
      try {
        await swapMetadataLocation(target, spec, next, read, store.location(metadataKey))
        return { metadataLocation: store.location(metadataKey), attempts: attempt }
      } catch (error) {
        if (!(error instanceof WriteConflictError)) throw error
        await store.delete([metadataKey])
        continue
      }
    }
    const plan = planSnapshot(metadata, live, change, { snapshotId, manifestPath: (i) => store.location(`${metaPrefix}${tag}-m${i}.avro`) })
    const written: string[] = []
    const rows: ManifestFile[] = [...plan.kept]
    for (const content of plan.written) {
      const bytes = await encodeManifest(content, metadata)
      const key = keyOfLocation(store, content.path)
      await writeBytes(store, key, bytes)
      written.push(key)
      rows.push(manifestFileOf(metadata, content, bytes.length, plan.sequenceNumber))
    }
    const parent = currentSnapshot(metadata)
    const listKey = `${metaPrefix}snap-${tag}.avro`
    await writeBytes(store, listKey, await encodeManifestList(rows, { snapshotId, ...(parent ? { parentSnapshotId: parent['snapshot-id'] } : {}), sequenceNumber: plan.sequenceNumber }))
    written.push(listKey)
    const next = withSnapshot(metadata, plan, store.location(listKey), now, location, change.runId)
    const metadataKey = `${metaPrefix}${String(plan.sequenceNumber).padStart(5, '0')}-${tag}.metadata.json`
    await store.writeText(metadataKey, `${JSON.stringify(next, null, 2)}\n`, { ifNoneMatch: '*' })
    written.push(metadataKey)
    try {
      await swapMetadataLocation(target, spec, next, read, store.location(metadataKey))
      return { snapshotId, metadataLocation: store.location(metadataKey), attempts: attempt }
    } catch (error) {
      // Any other failure may have swapped after all (a timeout): its files must stay.
      if (!(error instanceof WriteConflictError)) throw error
      await store.delete(written)
    }
  }
  throw new WriteConflictError(`iceberg: commit to ${spec.name} lost ${MAX_ATTEMPTS} races in a row`)
}

/** Whether two metadata versions define the table alike: schema, partition spec and properties. */
const sameDefinition = (a: TableMetadata, b: TableMetadata) =>
  a['current-schema-id'] === b['current-schema-id'] && a['default-spec-id'] === b['default-spec-id'] && JSON.stringify(a.properties) === JSON.stringify(b.properties)

/**
 * For a change that rewrites every data file: the schema without the fields whose type `columns`
 * changes beyond a promotion (they come back with new ids) and without those `columns` no longer
 * has (a reprocess drops a column no file needs any more). The ingest date and fields renamed
 * since stay.
 */
function withoutRetyped(schema: IcebergSchema, columns: TableColumn[], renames: Record<string, string>): IcebergSchema {
  const wanted = new Map(columns.map((c) => [c.name, icebergType(c.type)]))
  const former = new Set(Object.values(renames))
  const keeps = (name: string, type: string) => (wanted.has(name) ? isPromotion(type, wanted.get(name)!) : name === INGEST_DATE_COLUMN || former.has(name))
  return { ...schema, fields: schema.fields.filter((f) => keeps(f.name, f.type)) }
}

/** The table's current metadata and the data files of its current snapshot, from the catalog's pointer. */
export async function currentTableFiles(target: IcebergTarget, name: string): Promise<{ metadata: TableMetadata; files: DataFile[] } | undefined> {
  const { location } = await readPointer(target, name)
  if (!location) return undefined
  const metadata = await readTableMetadata(target.store, location)
  return { metadata, files: liveDataFiles(await snapshotManifests(target.store, currentSnapshot(metadata))) }
}

/** The data files of the snapshot a query as of `at` (a time or a snapshot id) reads. */
export async function tableFilesAsOf(target: IcebergTarget, name: string, at: Date | number): Promise<{ metadata: TableMetadata; snapshot: Snapshot; files: DataFile[] } | undefined> {
  const { location } = await readPointer(target, name)
  if (!location) return undefined
  const metadata = await readTableMetadata(target.store, location)
  const snapshot = snapshotAsOf(metadata, at, name)
  return { metadata, snapshot, files: await snapshotDataFiles(target.store, snapshot) }
}
