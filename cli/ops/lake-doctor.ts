import type { Catalog } from '../../functions/core/lake/catalog'
import { partitionsPrefix, type PartitionLayout } from '../../functions/core/compaction/compaction-layout'
import { SluiceError } from '../../functions/core/errors'
import { generationOf } from '../../functions/core/lake/generation'
import { ledgerPrefix, parseLedgerKey, type LedgerRecord, type PublishIntent } from '../../functions/core/lake/ledger'
import { rejectsTable } from '../../functions/core/lake/lake-layout'
import type { ObjectInfo, ObjectStore } from '../../functions/core/lake/object-store'
import { orphanParts, tableParts, type OrphanReport } from '../../functions/core/lake/orphan-parts'
import { mergedRecordPrefix, sourcesOf, type MergedFile } from '../../functions/core/table-format/iceberg/merged-files'
import { retiredPrefix, type RetiredParts } from '../../functions/core/table-format/iceberg/lake-tables'

type DoctorDeps = { curated: ObjectStore; catalog: Catalog; database: string }

/** Doctor will not remove parts while a compaction may be writing or switching some. */
export class CompactionInProgressError extends SluiceError {}

const REJECTS = '__rejects'

/** Datasets with a table in the catalog, in name order (a rejects table counts for its dataset). */
async function datasetsOf(deps: DoctorDeps): Promise<string[]> {
  const names = (await deps.catalog.listTables(deps.database)).map((t) => (t.Name.endsWith(REJECTS) ? t.Name.slice(0, -REJECTS.length) : t.Name))
  return [...new Set(names)].sort()
}

async function listAll(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const found: ObjectInfo[] = []
  for await (const o of store.list(prefix)) found.push(o)
  return found
}

async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const text = await store.readText(key)
  return text === undefined ? undefined : (JSON.parse(text) as T)
}

/**
 * What doctor finds of one dataset: the parts of its tables' live generations that no ledger
 * head or intent owns. Throws CompactionInProgressError when a partition is claimed by a
 * compaction or holds a compaction record: its new parts are owned by no head until it switches.
 */
export async function examineDataset(deps: DoctorDeps, dataset: string): Promise<OrphanReport> {
  const ledger = await listAll(deps.curated, ledgerPrefix(dataset))
  const heads: LedgerRecord[] = []
  const intents: PublishIntent[] = []
  for (const entry of ledger) {
    if (entry.key.startsWith(partitionsPrefix(dataset))) {
      const busy = entry.key.endsWith('/compaction.json') || (entry.key.endsWith('/layout.json') && (await readJson<PartitionLayout>(deps.curated, entry.key))?.claim)
      if (busy) throw new CompactionInProgressError(`doctor: a compaction of ${dataset} is in progress (${entry.key}); run doctor again once it has ended`)
      continue
    }
    const parsed = parseLedgerKey(entry.key)
    if (parsed?.kind === 'head') heads.push(...[await readJson<LedgerRecord>(deps.curated, entry.key)].filter((h): h is LedgerRecord => h !== undefined))
    if (parsed?.kind === 'intent') intents.push(...[await readJson<PublishIntent>(deps.curated, entry.key)].filter((i): i is PublishIntent => i !== undefined))
  }
  const tables: string[] = []
  const parts: ObjectInfo[] = []
  const retired: string[] = []
  for (const table of [dataset, rejectsTable(dataset)]) {
    const definition = await deps.catalog.getTable(deps.database, table)
    if (!definition) continue
    tables.push(table)
    for (const part of tableParts(await listAll(deps.curated, `${table}/`), table, generationOf(definition))) parts.push(part)
    // An Iceberg table's replaced parts stay for its retained snapshots until expiry removes them.
    for (const record of await listAll(deps.curated, retiredPrefix(table))) retired.push(...((await readJson<RetiredParts>(deps.curated, record.key))?.keys ?? []))
    // Its merged data files hold rows of the parts their records name: owned while a head of one of those files is.
    const headed = new Set(heads.map((h) => h.fileId))
    for (const record of await listAll(deps.curated, mergedRecordPrefix(table))) {
      const merged = await readJson<MergedFile>(deps.curated, record.key)
      if (merged && sourcesOf(merged).some((source) => headed.has(source))) retired.push(merged.key)
    }
  }
  const orphans = orphanParts(parts, heads, intents, retired).map((p) => ({ key: p.key, size: p.size }))
  return { dataset, ledgerEmpty: ledger.length === 0, tables, orphans }
}

/** Examines every dataset that has a table, or only `dataset`. */
export async function examineLake(deps: DoctorDeps, dataset?: string): Promise<OrphanReport[]> {
  const reports: OrphanReport[] = []
  for (const d of dataset ? [dataset] : await datasetsOf(deps)) reports.push(await examineDataset(deps, d))
  return reports
}

/**
 * Removes a dataset's orphan parts. A dataset whose ledger is empty owns no row at all: its
 * tables go too (first, so that no query reads a half-removed table), and the next sweep loads
 * its raw files again into new tables, each row once.
 */
export async function repairDataset(deps: DoctorDeps, report: OrphanReport): Promise<void> {
  if (report.ledgerEmpty) for (const table of report.tables) await deps.catalog.deleteTable(deps.database, table)
  await deps.curated.delete(report.orphans.map((o) => o.key))
  // A dropped Iceberg table's metadata and sluice's records of it go with it.
  if (report.ledgerEmpty) for (const table of report.tables) for (const prefix of [`${table}/metadata/`, `_iceberg/${table}/`]) await deps.curated.delete((await listAll(deps.curated, prefix)).map((o) => o.key))
}
