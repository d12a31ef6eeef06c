import { Command, InvalidArgumentError } from 'commander'
import { formatTable } from './format-table'
import { assertLakeFolder } from './lake-checks'
import { datasetArgument } from './lake-ops-command'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'
import type { Conversion } from '../functions/load/convert-table'

interface ConvertFlags extends LakeFlags, OutputFlags {
  to: 'iceberg'
}

const targetFormat = (value: string) => {
  if (value !== 'iceberg') throw new InvalidArgumentError('must be iceberg (an Iceberg table is not converted back to Hive)')
  return value
}

/** `sluice convert <dataset> --to iceberg`: adopts a Hive table's parts into an Iceberg table. */
export function convertCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('convert')
      .description('Make a dataset\'s Hive tables Iceberg tables, adopting their Parquet parts as they are (no part is rewritten): queries then read whole commits, replaced files stay for the retention period, and `query --as-of` and `history` work.')
      .argument('<dataset>', 'the dataset (its table name), e.g. orders; its rejects table goes with it', datasetArgument)
      .requiredOption('--to <format>', 'the table format to convert to: iceberg', targetFormat),
  ), ['table', 'json'], 'what each table became')
    .addHelpText('after', `
Convert while no run loads the dataset. A dataset that is an Iceberg table already is left as
it is. New datasets become Iceberg tables by "tableFormat": "iceberg" in their contract, or
--table-format iceberg for the whole lake.
Exit status: 0 when done; 1 when the lake has no such dataset or it cannot be converted; 2 for
a usage error.

Examples:
  npx sluice convert orders --to iceberg`)
    .action(async (dataset: string, flags: ConvertFlags) => {
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      const { convertToIceberg } = await import('../functions/load/convert-table')
      const runId = `convert-${new Date().toISOString().replace(/[-:.]/g, '')}`
      const conversion = await convertToIceberg(deps, dataset, runId, new Date())
      process.stdout.write(outputFormat(flags) === 'json' ? `${JSON.stringify(conversion)}\n` : formatConversion(conversion))
    })
}

function formatConversion(c: Conversion): string {
  if (c.outcome === 'already') return `convert: ${c.dataset} is an Iceberg table already\n`
  const rows = Object.entries(c.tables).map(([table, commit]) => ({ table, snapshot: String(commit.snapshotId ?? ''), metadata: commit.metadataLocation }))
  return `${formatTable(['table', 'snapshot', 'metadata'], rows)}${c.dataset} is an Iceberg table now; its parts were adopted as they are.\n`
}
