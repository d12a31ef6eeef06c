import type { Catalog, TableInput } from '../core/lake/catalog'
import { INGEST_DATE } from '../core/lake/catalog'
import { generationOf } from '../core/lake/generation'
import { rejectsTable } from '../core/lake/lake-layout'
import { headKey, ledgerPrefix, parseLedgerKey, type LedgerRecord } from '../core/lake/ledger'
import type { ObjectStore } from '../core/lake/object-store'
import { parseAthenaType } from '../core/schema/athena-types'
import { homeOf } from '../core/lake/partition-folders'
import type { DataFile, TableMetadata } from '../core/table-format/iceberg/iceberg-model'
import type { TableColumn } from '../core/table-format/iceberg/iceberg-schema'
import { PENDING_SYNCS, pendingSyncKey, pendingSyncPrefix, SYNCED_GENERATION_PROPERTY, tableOfKey, type PendingSync } from '../core/table-format/iceberg/lake-tables'
import { isIcebergDefinition, renamesOf } from '../core/table-format/iceberg/working-definition'
import { partDataFile } from '../core/table-format/iceberg/part-data-file'
import type { SourceChange } from '../core/table-format/iceberg/snapshot-plan'
import { commitTableChange, readPointer, type CommitResult, type IcebergTableSpec } from '../adapters/iceberg-commit'
import { readTableMetadata } from '../adapters/iceberg-files'
import { parquetFacts } from '../adapters/parquet-footer'
import { keyOfLocation } from '../adapters/zone-locations'
import { isMergedDataFile, originParts, sourcesOf, type MergedFile } from '../core/table-format/iceberg/merged-files'
import { cutMergedFiles, everyMergedFile, mergedHolding } from './iceberg-merges'
import type { TableFormatCatalog } from '../adapters/table-format-catalog'
import { INTENT_EXPIRY_MS } from '../core/lake/ledger'

/** What a sync needs: the curated zone, the workflow catalog, the database. */
export interface SyncDeps {
  curated: ObjectStore
  catalog: Catalog
  database: string
}

/**
 * Rows of parts a caller knows already (a batch's staged parts), by curated key. Only rows: a
 * part's bytes change when it is rewritten to the table's types before or after its publish, so
 * its size is read from the zone.
 */
export type KnownParts = Map<string, number>

/** What a sync committed, per table (absent: nothing changed). */
export type SyncResult = Record<string, CommitResult>

/**
 * Records, before a Load commits any ledger head of an Iceberg dataset, which sources it is about
 * to change: a crash between those commits and the snapshot leaves the record, and the dataset's
 * next sync covers its sources too. A Hive dataset needs none.
 */
export async function markPendingSync(deps: SyncDeps, dataset: string, runId: string, sources: string[], now: Date): Promise<void> {
  if (sources.length === 0 || !(await isIcebergDataset(deps, dataset))) return
  const record: PendingSync = { runId, writtenAt: now.toISOString(), sources: [...new Set(sources)].sort() }
  await deps.curated.writeText(pendingSyncKey(dataset, runId), JSON.stringify(record))
}

/**
 * Whether a dataset's table is an Iceberg table, or would be created as one. The workflow catalog
 * remembers a table's format once it has read it, so a step that read the table asks nothing more.
 */
export async function isIcebergDataset(deps: SyncDeps, dataset: string): Promise<boolean> {
  const routing = routingOf(deps.catalog)
  return !!routing && (await routing.formatOf(deps.database, dataset)) === 'iceberg'
}

/**
 * Makes an Iceberg dataset's snapshots agree with its ledger heads for `sources` (file ids), one
 * snapshot per table (the data table, the rejects table) with every change together: a source's
 * data files become its head's parts (none when it was retracted). The heads are read on each
 * attempt, after the catalog's pointer: a head committed meanwhile either lands in this snapshot
 * or makes the swap lose and be worked out again, so the last sync always leaves the heads' state.
 * When the working definition is of another generation than the snapshots (a reprocess or
 * widening swapped one in), every source of the ledger is synced, in one snapshot. Sources of
 * runs that crashed before their sync (their pending records) are included, and their records
 * then removed. A Hive dataset is left alone. With `adopt` (a conversion), the catalog's Hive
 * definition of a table is replaced by the Iceberg one.
 */
export async function syncIcebergDataset(deps: SyncDeps, dataset: string, sources: string[], runId: string, now: Date, known: KnownParts = new Map(), options: { adopt?: boolean } = {}): Promise<SyncResult> {
  const routing = routingOf(deps.catalog)
  // A conversion syncs while the catalog still holds the Hive definition it replaces.
  if (!routing || (!options.adopt && !(await isIcebergDataset(deps, dataset)))) return {}
  // A dataset whose every file failed has a rejects table and no data table.
  const definitions = new Map<string, TableInput>()
  for (const table of [dataset, rejectsTable(dataset)]) {
    const definition = await routing.working.getTable(deps.database, table)
    if (isIcebergDefinition(definition)) definitions.set(table, definition!)
  }
  if (definitions.size === 0) return {}
  const generation = generationOf(definitions.get(dataset) ?? definitions.get(rejectsTable(dataset)))
  const target = { store: deps.curated, catalog: routing.real, database: deps.database }
  const wanted = new Set(sources)
  // Sources another run changed and has not synced: their older versions' rows may sit anywhere.
  const unsettled = new Set<string>()
  const settled: string[] = []
  for await (const o of deps.curated.list(pendingSyncPrefix(dataset))) {
    const text = await deps.curated.readText(o.key)
    if (!text) continue
    const pending = JSON.parse(text) as PendingSync
    for (const s of pending.sources) wanted.add(s)
    if (pending.runId !== runId) for (const s of pending.sources) unsettled.add(s)
    // A live run's record stays for its own sync; its own, and any older than a Load can run, go.
    if (pending.runId === runId || now.getTime() - Date.parse(pending.writtenAt) > INTENT_EXPIRY_MS) settled.push(o.key)
  }
  const result: SyncResult = {}
  for (const [table, definition] of definitions) {
    const synced = await syncedGeneration(target, table)
    const whole = synced !== generation
    const spec = tableSpecOf(table, definition)
    const commit = await commitTableChange(target, spec, async (current, metadata) => {
      const keyOf = (path: string) => keyOfLocation(deps.curated, path)
      const every = whole ? await everyMergedFile(deps.curated, table, current, keyOf) : undefined
      const touched = every ? await everySource(deps.curated, dataset, current, every) : wanted
      const heads = await readHeads(deps.curated, dataset, touched)
      const merged = every ?? (await mergedHolding(deps.curated, table, mayBeMerged(heads, unsettled, current, keyOf), current, keyOf))
      const changes = await sourceChanges(deps.curated, table, heads, current, metadata, known, merged)
      // A changed source's rows leave the merged files holding them in the same snapshot.
      const dropped = new Set(changes.map((c) => c.source))
      const cut = [...merged.values()].filter((m) => sourcesOf(m).some((source) => dropped.has(source)))
      const rewrite = cut.length > 0 ? await cutMergedFiles(deps.curated, table, cut, dropped, current, now) : undefined
      // With no file to change, the commit still brings the schema up to the working definition:
      // another sync may have committed this batch's files under an older one.
      return { sources: changes, ...(rewrite ? { rewrite } : {}), runId }
    }, now, { retype: whole, adopt: options.adopt, properties: { [SYNCED_GENERATION_PROPERTY]: generation } })
    if (commit.snapshotId !== undefined) result[table] = commit
  }
  await deps.curated.delete(settled)
  return result
}

/**
 * Syncs every Iceberg dataset that a crashed Load left a pending record for (a sweep's end does
 * this, so a crash between a Load's head commits and its snapshot is mended even when no later
 * Load touches the dataset). One listing of the pending records, usually empty.
 */
export async function settlePendingSyncs(deps: SyncDeps, runId: string, now: Date): Promise<string[]> {
  const datasets = new Set<string>()
  for await (const o of deps.curated.list(PENDING_SYNCS)) datasets.add(o.key.slice(PENDING_SYNCS.length).split('/')[0]!)
  for (const dataset of [...datasets].sort()) await syncIcebergDataset(deps, dataset, [], runId, now)
  return [...datasets].sort()
}

export const routingOf = (catalog: Catalog) => ('real' in catalog ? (catalog as TableFormatCatalog) : undefined)

/** What a commit to an Iceberg table takes from its working definition: columns, partitioning, renames. */
export function tableSpecOf(table: string, definition: TableInput): IcebergTableSpec {
  return { name: table, prefix: `${table}/`, columns: tableColumns(definition), partitionBy: definition.PartitionKeys.map((k) => k.Name).filter((n) => n !== INGEST_DATE), renames: renamesOf(definition) }
}

/** The generation a table's snapshots were synced from; undefined before its first snapshot. */
async function syncedGeneration(target: { store: ObjectStore; catalog: Catalog; database: string }, table: string): Promise<string | undefined> {
  const { location } = await readPointer(target, table)
  if (!location) return undefined
  return (await readTableMetadata(target.store, location)).properties[SYNCED_GENERATION_PROPERTY] ?? ''
}

/** The working definition's columns, partition columns included, as the Iceberg schema takes them. */
function tableColumns(table: TableInput): TableColumn[] {
  return [...table.StorageDescriptor.Columns, ...table.PartitionKeys.filter((k) => k.Name !== INGEST_DATE)].map((c) => {
    const type = parseAthenaType(c.Type)
    if (!type) throw new Error(`iceberg: column ${c.Name} of ${table.Name} has a type sluice does not know: ${c.Type}`)
    return { name: c.Name, type }
  })
}

/** Every source the ledger has a head for, and every source the snapshot holds rows of. */
async function everySource(curated: ObjectStore, dataset: string, current: DataFile[], merged: Map<string, MergedFile>): Promise<Set<string>> {
  const sources = new Set(current.filter((f) => !isMergedDataFile(f.path)).map((f) => f.source))
  for (const m of merged.values()) for (const source of sourcesOf(m)) sources.add(source)
  for await (const o of curated.list(ledgerPrefix(dataset))) {
    const entry = parseLedgerKey(o.key)
    if (entry?.kind === 'head' && o.key === headKey(dataset, entry.fileId)) sources.add(entry.fileId)
  }
  return sources
}

/** The ledger head of each source (undefined when it has none), in source order. */
async function readHeads(curated: ObjectStore, dataset: string, sources: Set<string>): Promise<Map<string, LedgerRecord | undefined>> {
  const heads = new Map<string, LedgerRecord | undefined>()
  for (const source of [...sources].sort()) {
    const text = await curated.readText(headKey(dataset, source))
    heads.set(source, text ? (JSON.parse(text) as LedgerRecord) : undefined)
  }
  return heads
}

/**
 * The sources whose rows may sit in the snapshot's merged files: a merged file holds parts of
 * one partition, so a source can have rows in one only if its head's parts, or those of the
 * version it replaced (`replaced` until settled, `formerHomes` after), lie in the partition of a
 * merged file; a source another run changed
 * without syncing yet (`unsettled`), or one without a head, may have them anywhere. A snapshot
 * without merged files has none, and its sync lists no index.
 */
function mayBeMerged(heads: Map<string, LedgerRecord | undefined>, unsettled: Set<string>, current: DataFile[], keyOf: (path: string) => string): string[] {
  const homes = new Set(current.filter((f) => isMergedDataFile(f.path)).map((f) => homeOf(keyOf(f.path))))
  if (homes.size === 0) return []
  return [...heads].filter(([source, head]) => !head || unsettled.has(source) || [...head.outputs, ...head.replaced].some((k) => homes.has(homeOf(k))) || (head.formerHomes ?? []).some((h) => homes.has(h))).map(([source]) => source)
}

/**
 * The sources whose rows in `table` differ from what the snapshot holds: each with its head's
 * parts now (none when the head is retracted or gone). The snapshot holds a source's rows in its
 * own parts and in merged files (`merged`: those holding rows of the sources asked about); they
 * are as the head wants when they come from exactly the parts it names.
 */
async function sourceChanges(curated: ObjectStore, table: string, heads: Map<string, LedgerRecord | undefined>, current: DataFile[], metadata: TableMetadata, known: KnownParts, merged: Map<string, MergedFile>): Promise<SourceChange[]> {
  const held = new Map<string, string[]>()
  for (const f of current) if (!isMergedDataFile(f.path)) held.set(f.source, [...(held.get(f.source) ?? []), keyOfLocation(curated, f.path)])
  const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id'])!
  const spec = metadata['partition-specs'].find((s) => s['spec-id'] === metadata['default-spec-id'])!
  const byPath = new Map(current.map((f) => [f.path, f]))
  const changes: SourceChange[] = []
  for (const [source, head] of heads) {
    const keys = head && head.state !== 'retracted' ? head.outputs.filter((k) => tableOfKey(k) === table).sort() : []
    const before = originParts(source, held.get(source) ?? [], [...merged.values()])
    if (before.length === keys.length && before.every((k, i) => k === keys[i])) continue
    const files: DataFile[] = []
    for (const key of keys) {
      const location = curated.location(key)
      const have = byPath.get(location)
      const rows = known.get(key)
      const size = rows === undefined ? undefined : (await curated.head(key))?.size
      const facts = have ? { rows: have.recordCount, bytes: have.sizeBytes } : rows !== undefined && size !== undefined ? { rows, bytes: size } : await parquetFacts(curated, key)
      if (!facts) throw new Error(`iceberg: part ${key} of ${table}, which the ledger head of ${head?.key ?? source} names, is missing`)
      files.push({ ...partDataFile({ key, location, ...facts }, spec, schema), source })
    }
    changes.push({ source, files })
  }
  return changes
}
