import { SluiceError } from '../core/errors'
import { rejectsTable } from '../core/lake/lake-layout'
import { headKey, ledgerPrefix, parseLedgerKey, type LedgerRecord } from '../core/lake/ledger'
import { metadataLocationOf } from '../core/table-format/iceberg/iceberg-table-input'
import type { TableFormatCatalog } from '../adapters/table-format-catalog'
import { syncIcebergDataset, type SyncDeps, type SyncResult } from './iceberg-sync'

/** A table that cannot be converted as it is. */
export class ConversionError extends SluiceError {}

/** What a conversion did: the snapshot committed per table (none for a table already converted). */
export interface Conversion {
  dataset: string
  /** `converted`, or `already` when its tables were Iceberg tables before. */
  outcome: 'converted' | 'already'
  tables: SyncResult
}

/**
 * Converts a dataset's Hive tables to Iceberg without rewriting a part: the catalog's definitions
 * become the working definitions, then one `append` snapshot per table adopts the parts of every
 * ledger head (the identity partitions give the values of the Hive path, the name mapping reads
 * the parts, which carry no field ids), and the catalog's entry is swapped to the Iceberg table.
 * Rerunnable: a rerun after a crash finishes the swap. Parts that compaction merged across files
 * hold rows of several files, which a snapshot cannot replace file by file: such a table is
 * refused, naming them.
 */
export async function convertToIceberg(deps: SyncDeps, dataset: string, runId: string, now: Date): Promise<Conversion> {
  const routing = deps.catalog as TableFormatCatalog
  if (!('real' in routing)) throw new Error('convert: the catalog does not keep working definitions')
  const data = await routing.real.getTable(deps.database, dataset)
  if (!data && !(await routing.working.getTable(deps.database, dataset))) throw new ConversionError(`convert: no table ${dataset} in database ${deps.database}`)
  if (data && metadataLocationOf(data)) return { dataset, outcome: 'already', tables: {} }
  const shared = await sharedParts(deps, dataset)
  if (shared.length > 0) {
    throw new ConversionError(`convert: ${dataset} has ${shared.length} compacted part(s) holding rows of several files (e.g. ${shared[0]}); they cannot be adopted file by file: drop the dataset (\`sluice drop ${dataset}\`) and load it again with "tableFormat": "iceberg" in its contract`)
  }
  for (const table of [dataset, rejectsTable(dataset)]) {
    const hive = await routing.real.getTable(deps.database, table)
    if (hive && !metadataLocationOf(hive)) await routing.working.replaceTable(deps.database, hive, [])
    routing.forget(table)
  }
  const tables = await syncIcebergDataset(deps, dataset, [], runId, now, new Map(), { adopt: true })
  for (const table of [dataset, rejectsTable(dataset)]) routing.forget(table)
  return { dataset, outcome: 'converted', tables }
}

/** The compacted parts the dataset's ledger heads share with other files. */
async function sharedParts(deps: SyncDeps, dataset: string): Promise<string[]> {
  const shared = new Set<string>()
  for await (const o of deps.curated.list(ledgerPrefix(dataset))) {
    const entry = parseLedgerKey(o.key)
    if (entry?.kind !== 'head' || o.key !== headKey(dataset, entry.fileId)) continue
    const text = await deps.curated.readText(o.key)
    for (const part of (text ? (JSON.parse(text) as LedgerRecord).shared : undefined) ?? []) shared.add(part)
  }
  return [...shared].sort()
}
