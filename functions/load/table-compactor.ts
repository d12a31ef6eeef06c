import type { TableInput } from '../core/lake/catalog'
import { generationOf, tableBase } from '../core/lake/generation'
import { rejectsTable } from '../core/lake/lake-layout'
import type { CompactionSettings } from '../core/compaction/merge-plan'
import type { CompactionDeps } from './compaction-recovery'
import type { CompactionOutcome } from './compact-partition'
import { closedHomes, compactClosedDays, compactHiveDataset, compactTouched, homesHolding } from './compact-dataset'
import { compactIcebergTable } from './compact-iceberg-table'
import { tableOfKey } from '../core/table-format/iceberg/lake-tables'
import { isIcebergDataset, routingOf } from './iceberg-sync'
import type { TableFormatName } from '../core/table-format/table-format-setting'

/**
 * Compaction of one dataset's tables, whatever their format: a Hive table's partitions move to
 * new folders in one catalog write each (compact-partition.ts), an Iceberg table's small files
 * are exchanged for merged ones in one snapshot (compact-iceberg-table.ts). Callers ask the
 * dataset's compactor and never which format it has.
 */
export interface TableCompactor {
  /**
   * The partitions a batch touched: the homes it published into, compacted once they hold the
   * open threshold's parts, and the homes its commits marked for excision (Hive).
   */
  touched(written: string[], excised: string[]): Promise<CompactionOutcome[]>
  /**
   * The partitions of the given ingest dates (closed days) of `table` (as the catalog lists it)
   * holding the part threshold's parts.
   */
  closedDays(table: TableInput, days: string[]): Promise<CompactionOutcome[]>
  /** Every partition of the dataset's table and rejects table (`sluice compact`). */
  all(): Promise<CompactionOutcome[]>
}

/** The compactor for a dataset's tables, by the format its table has (`format`, when the caller knows it already). */
export async function compactorFor(deps: CompactionDeps, dataset: string, settings: CompactionSettings, clock: () => Date, format?: TableFormatName): Promise<TableCompactor> {
  if ((format ?? ((await isIcebergDataset(deps, dataset)) ? 'iceberg' : 'hive')) === 'hive') {
    return {
      touched: (written, excised) => compactTouched(deps, dataset, written, excised, settings, clock),
      closedDays: (table, days) => compactClosedDays(deps, dataset, tableBase(table.Name, generationOf(table)), days, settings, clock),
      all: () => compactHiveDataset(deps, dataset, settings, clock),
    }
  }
  const tables = [dataset, rejectsTable(dataset)]
  // The partitions to compact are found as a Hive table's are, by listing their folders (a home
  // holds a table's own parts; merged files lie under `compacted/`); the snapshot then decides.
  const compactHomes = async (homes: string[]) => {
    const outcomes: CompactionOutcome[] = []
    for (const table of tables) {
      const mine = new Set(homes.filter((h) => tableOfKey(h) === table))
      if (mine.size > 0) outcomes.push(...(await compactIcebergTable(deps, table, (byHome) => [...mine].filter((h) => (byHome.get(h)?.length ?? 0) > 1), 2, settings, clock)))
    }
    return outcomes
  }
  return {
    // Excision needs no compaction here: a commit cuts a replaced file's rows out of merged files itself.
    touched: async (written) => compactHomes(await homesHolding(deps, written, settings.openThreshold)),
    // The catalog lists an Iceberg table's pointer; its generation is in its working definition.
    closedDays: async (table, days) => compactHomes(await closedHomes(deps, tableBase(table.Name, generationOf(await routingOf(deps.catalog)?.working.getTable(deps.database, table.Name))), days, settings.partThreshold)),
    all: async () => (await Promise.all(tables.map((table) => compactIcebergTable(deps, table, (byHome) => [...byHome].filter(([, files]) => files.length > 1).map(([home]) => home), 2, settings, clock)))).flat(),
  }
}

/** `sluice compact`: every partition of the dataset's table and rejects table, whatever their format. */
export async function compactDataset(deps: CompactionDeps, dataset: string, settings: CompactionSettings, clock: () => Date): Promise<CompactionOutcome[]> {
  return (await compactorFor(deps, dataset, settings, clock)).all()
}
