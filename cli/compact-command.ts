import { Command, InvalidArgumentError } from 'commander'
import { DEFAULT_COMPACTION, type CompactionSettings } from '../functions/core/compaction/merge-plan'
import type { CompactionOutcome } from '../functions/load/compact-partition'
import { assertLakeFolder, NotFoundError } from './lake-checks'
import { datasetArgument } from './lake-ops-command'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { printRecords } from './output/print-records'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'

interface CompactFlags extends LakeFlags, OutputFlags {
  targetMb: number
  smallFraction: number
}

const positiveNumber = (value: string) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number above 0')
  return n
}

const fraction = (value: string) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError('must be a number above 0 and at most 1')
  return n
}

/** `sluice compact [<dataset>]`: merges the small parts of every partition. */
export function compactCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('compact')
      .description('Merge the small Parquet parts of each partition into parts near a target size, keeping every row, its order and its lineage. Readers switch in one step: a Hive table\'s partition in one catalog write, an Iceberg table in one snapshot. A replaced or deleted file still loses exactly its rows. Load does the same by itself once a partition holds 32 parts.')
      .argument('[dataset]', 'only this dataset (its table name), e.g. orders; all datasets when absent', datasetArgument)
      .option('--target-mb <n>', 'size a merged part aims at, in MB', positiveNumber, DEFAULT_COMPACTION.targetBytes / 1024 / 1024)
      .option('--small-fraction <f>', 'a part below this fraction of the target is small and merged', fraction, DEFAULT_COMPACTION.smallFraction),
  ), ['table', 'csv', 'json'], 'each partition\'s outcome')
    .addHelpText('after', `
Each partition ends as compacted, nothing (no two small parts to merge) or busy (a load or
another compaction holds it, or changed its files meanwhile; the next compaction takes it up).
Exit status: 0 when done; 1 when the lake has no such dataset; 2 for a usage error.

Examples:
  npx sluice compact                                 every dataset of ./lake
  npx sluice compact orders --target-mb 64 --output json`)
    .action(async (dataset: string | undefined, flags: CompactFlags) => {
      const format = outputFormat(flags)
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      const datasets = (await deps.catalog.listTables(deps.database)).map((t) => t.Name).filter((n) => !n.includes('__')).sort()
      if (dataset && !datasets.includes(dataset)) throw new NotFoundError(`compact: no dataset ${dataset} in the lake; datasets: ${datasets.join(', ') || 'none'}`)
      const settings: CompactionSettings = { ...DEFAULT_COMPACTION, targetBytes: Math.round(flags.targetMb * 1024 * 1024), smallFraction: flags.smallFraction }
      const { compactDataset } = await import('../functions/load/table-compactor')
      const outcomes: CompactionOutcome[] = []
      for (const d of dataset ? [dataset] : datasets) outcomes.push(...(await compactDataset(deps, d, settings, () => new Date())))
      if (format === 'table' && outcomes.length === 0) process.stdout.write('no partitions to compact\n')
      else printRecords(format, ['table', 'partition', 'outcome', 'parts', 'note'], outcomeRows(outcomes), outcomes)
    })
}

const outcomeRows = (outcomes: CompactionOutcome[]) => outcomes.map((o) => ({
  table: o.table, partition: o.home.slice(o.table.length + 1, -1), outcome: o.outcome, parts: o.outcome === 'compacted' ? `${o.partsBefore} → ${o.partsAfter}` : String(o.partsBefore), note: o.note ?? '',
}))
