import type { Catalog } from '../../functions/core/lake/catalog'
import { ledgerPrefix } from '../../functions/core/lake/ledger'
import { rejectsTable } from '../../functions/core/lake/lake-layout'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { shardPrefix, summaryKey } from '../../functions/core/site/site-summary'
import { pendingSyncPrefix } from '../../functions/core/table-format/iceberg/lake-tables'

/** What a drop removes (or, before it, would remove). */
export interface DropPlan {
  dataset: string
  /** Catalog tables: the dataset's and its rejects table, those that exist. */
  tables: string[]
  /** Curated objects: Parquet of both tables, in every generation. */
  objects: string[]
  /**
   * Ledger objects: heads, index, intents, quarantines, a rebuild's state; the status site's
   * summary and file shards; an Iceberg table's records (retired parts, merged files) and
   * pending syncs.
   */
  ledger: string[]
}

/** Lists what dropping the dataset removes. Raw files are never part of it. */
export async function planDrop(deps: { curated: ObjectStore; catalog: Catalog; database: string }, dataset: string): Promise<DropPlan> {
  const tables: string[] = []
  for (const name of [dataset, rejectsTable(dataset)]) if (await deps.catalog.getTable(deps.database, name)) tables.push(name)
  const list = async (prefix: string) => {
    const keys: string[] = []
    for await (const o of deps.curated.list(prefix)) keys.push(o.key)
    return keys
  }
  return { dataset, tables, objects: [...(await list(`${dataset}/`)), ...(await list(`${rejectsTable(dataset)}/`))], ledger: [...(await list(ledgerPrefix(dataset))), ...(await list(summaryKey(dataset))), ...(await list(shardPrefix(dataset))), ...(await list(`_iceberg/${dataset}/`)), ...(await list(`_iceberg/${rejectsTable(dataset)}/`)), ...(await list(pendingSyncPrefix(dataset)))] }
}

/**
 * Drops a dataset: first its tables from the catalog (queries stop seeing it), then its
 * ledger (so no entry names a removed object), then its curated objects. Rerunnable: a drop
 * that stopped half-way is finished by dropping again. A run loading the dataset at the same
 * time may create the table again with the files it commits; the next run then loads the rest.
 */
export async function dropDataset(deps: { curated: ObjectStore; catalog: Catalog; database: string }, plan: DropPlan): Promise<void> {
  for (const name of [plan.dataset, rejectsTable(plan.dataset)]) await deps.catalog.deleteTable(deps.database, name)
  await deps.curated.delete(plan.ledger)
  await deps.curated.delete(plan.objects)
}
