import { INGEST_DATE, type TableInput } from '../core/lake/catalog'
import { generationOf, tableBase } from '../core/lake/generation'
import { rejectsTable } from '../core/lake/lake-layout'
import type { CompactionSettings } from '../core/compaction/merge-plan'
import type { CompactionDeps } from './compaction-recovery'
import type { CompactionOutcome } from './compact-partition'
import { compactClosedDays, compactHiveDataset, compactTouched } from './compact-dataset'
import { compactIcebergTable, type FilesByHome } from './compact-iceberg-table'
import { isIcebergDataset } from './iceberg-sync'

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
  /** The partitions of the given ingest dates (closed days) of `table` holding the part threshold's parts. */
  closedDays(table: TableInput, days: string[]): Promise<CompactionOutcome[]>
  /** Every partition of the dataset's table and rejects table (`sluice compact`). */
  all(): Promise<CompactionOutcome[]>
}

/** The compactor for a dataset's tables, by the format its table has. */
export async function compactorFor(deps: CompactionDeps, dataset: string, settings: CompactionSettings, clock: () => Date): Promise<TableCompactor> {
  if (!(await isIcebergDataset(deps, dataset))) {
    return {
      touched: (written, excised) => compactTouched(deps, dataset, written, excised, settings, clock),
      closedDays: (table, days) => compactClosedDays(deps, dataset, tableBase(table.Name, generationOf(table)), days, settings, clock),
      all: () => compactHiveDataset(deps, dataset, settings, clock),
    }
  }
  const both = async (choose: (byHome: FilesByHome) => string[], minFiles: number) => [
    ...(await compactIcebergTable(deps, dataset, choose, minFiles, settings, clock)),
    ...(await compactIcebergTable(deps, rejectsTable(dataset), choose, minFiles, settings, clock)),
  ]
  return {
    // Excision needs no compaction here: a commit cuts a replaced file's rows out of merged files itself.
    touched: (written) => both((byHome) => written.filter((h) => (byHome.get(h)?.length ?? 0) >= settings.openThreshold), settings.openThreshold),
    closedDays: (table, days) => compactIcebergTable(deps, table.Name, (byHome) => [...byHome].filter(([home, files]) => days.includes(ingestDateOf(home) ?? '') && files.length >= settings.partThreshold).map(([home]) => home), settings.partThreshold, settings, clock),
    all: () => both((byHome) => [...byHome].filter(([, files]) => files.length > 1).map(([home]) => home), 2),
  }
}

/** The ingest date of a partition home (`<table>/[gen=…/]ingest_date=<day>/…`). */
function ingestDateOf(home: string): string | undefined {
  const segment = home.split('/').find((s) => s.startsWith(`${INGEST_DATE}=`))
  return segment?.slice(INGEST_DATE.length + 1)
}

/** `sluice compact`: every partition of the dataset's table and rejects table, whatever their format. */
export async function compactDataset(deps: CompactionDeps, dataset: string, settings: CompactionSettings, clock: () => Date): Promise<CompactionOutcome[]> {
  return (await compactorFor(deps, dataset, settings, clock)).all()
}
