import { Command, InvalidArgumentError } from 'commander'
import { assertLakeFolder } from './lake-checks'
import { datasetArgument } from './lake-ops-command'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { printRecords } from './output/print-records'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'
import type { TableExpiry } from '../functions/load/expire-tables'

interface ExpireFlags extends LakeFlags, OutputFlags {
  retentionHours?: number
}

const hours = (value: string) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 1) throw new InvalidArgumentError('must be a number of hours, at least 1')
  return n
}

/** `sluice expire [<dataset>]`: expires Iceberg snapshots past retention and deletes what only they held. */
export function expireCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('expire')
      .description('Expire the snapshots of Iceberg tables that stopped being current more than the retention ago, and delete the Parquet parts no retained snapshot holds any more (replaced and deleted files\' old parts). Every Load does a bounded pass of the same by itself.')
      .argument('[dataset]', 'only this dataset (its table name), e.g. orders; every Iceberg dataset when absent', datasetArgument)
      .option('--retention-hours <n>', 'keep snapshots this long after they were replaced (default: $SLUICE_SNAPSHOT_RETENTION_HOURS, else 24)', hours),
  ), ['table', 'csv', 'json'], 'what each table expired')
    .addHelpText('after', `
A query --as-of a time within the retention still finds its snapshot and every file of it.
Hive tables have no snapshots: they are left alone.
Exit status: 0 when done; 2 for a usage error.

Examples:
  npx sluice expire
  npx sluice expire orders --retention-hours 48`)
    .action(async (dataset: string | undefined, flags: ExpireFlags) => {
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      const { expireDataset } = await import('../functions/load/expire-tables')
      const names = dataset ? [dataset] : (await deps.catalog.listTables(deps.database)).map((t) => t.Name).filter((n) => !n.includes('__')).sort()
      const retentionMs = flags.retentionHours !== undefined ? flags.retentionHours * 3_600_000 : deps.snapshotRetentionMs
      const results: TableExpiry[] = []
      // Unbounded here: passes go on until nothing is due.
      for (const name of names) {
        for (;;) {
          const pass = await expireDataset(deps, name, new Date(), { retentionMs })
          for (const r of pass) {
            const seen = results.find((x) => x.table === r.table)
            if (seen) Object.assign(seen, { expiredSnapshots: seen.expiredSnapshots + r.expiredSnapshots, deletedFiles: seen.deletedFiles + r.deletedFiles, settled: seen.settled + r.settled })
            else results.push(r)
          }
          if (!pass.some((r) => r.expiredSnapshots >= 100 || r.settled >= 100)) break
        }
      }
      const format = outputFormat(flags)
      if (format === 'table' && results.length === 0) process.stdout.write(dataset ? `expire: ${dataset} is no Iceberg table; it keeps no snapshots to expire\n` : 'expire: no Iceberg table in the lake\n')
      else printRecords(format, ['table', 'expired snapshots', 'deleted files'], results.map((r) => ({ table: r.table, 'expired snapshots': String(r.expiredSnapshots), 'deleted files': String(r.deletedFiles) })), results)
    })
}
