import { Command } from 'commander'
import { readTableHistory } from '../functions/adapters/iceberg-history'
import { assertLakeFolder, NotFoundError } from './lake-checks'
import { datasetArgument } from './lake-ops-command'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { printRecords } from './output/print-records'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'

const COLUMNS = ['committed_at', 'snapshot_id', 'operation', 'run_id', 'files_added', 'files_removed', 'rows_added', 'rows_removed', 'rows_total', 'current']

/** `sluice history <dataset>`: the snapshots of a dataset's Iceberg table. */
export function historyCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('history')
      .description('List the retained snapshots of a dataset\'s Iceberg table, newest first: when each was committed, by which run, and the files and rows it added and removed. A query reads an earlier one with `sluice query --as-of <time|snapshot>`.')
      .argument('<dataset>', 'the dataset (its table name), e.g. orders', datasetArgument),
  ), ['table', 'json', 'csv', 'jsonl'], 'the snapshots')
    .addHelpText('after', `
Snapshots older than the retention are expired, and leave the history. A Hive table keeps no
snapshots: history needs an Iceberg table.
Exit status: 0 when listed; 1 when the lake has no such dataset, or its table is a Hive
table; 2 for a usage error.

Examples:
  npx sluice history orders
  npx sluice history orders --lake ./lake --output json`)
    .action(async (dataset: string, flags: LakeFlags & OutputFlags) => {
      const format = outputFormat(flags)
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      const history = await readTableHistory({ store: deps.curated, catalog: deps.catalog, database: deps.database }, dataset)
      if (!history) {
        const tables = (await deps.catalog.listTables(deps.database)).map((t) => t.Name).filter((n) => !n.includes('__'))
        throw new NotFoundError(`history: no dataset ${dataset} in the lake; datasets: ${tables.join(', ') || 'none'}`)
      }
      if (history.format !== 'iceberg') throw new NotFoundError(`history: ${dataset} is a Hive table, which keeps no snapshots; history needs an Iceberg table`)
      const rows = history.entries.map((e) => ({
        committed_at: e.committedAt,
        snapshot_id: e.snapshotId,
        operation: e.operation,
        run_id: e.runId ?? null,
        files_added: e.addedFiles,
        files_removed: e.deletedFiles,
        rows_added: e.addedRows,
        rows_removed: e.deletedRows,
        rows_total: e.totalRows,
        current: e.current,
      }))
      printRecords(format, COLUMNS, rows)
    })
}
