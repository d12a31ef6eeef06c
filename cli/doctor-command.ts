import { Command } from 'commander'
import { formatTable } from './format-table'
import { assertLakeFolder } from './lake-checks'
import { datasetArgument } from './lake-ops-command'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'
import type { OrphanReport } from '../functions/core/lake/orphan-parts'

interface DoctorFlags extends LakeFlags, OutputFlags {
  fix?: boolean
}

/** `sluice doctor [<dataset>]`: finds (and with --fix removes) parts that no ledger head owns. */
export function doctorCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('doctor')
      .description('Find the Parquet parts that no ledger head owns (after the ledger, _ledger/, was deleted or damaged by hand): every query reads them, and nothing would ever remove them. Read-only unless --fix is given.')
      .argument('[dataset]', 'only this dataset (its table name), e.g. orders; all datasets when absent', datasetArgument)
      .option('--fix', 'remove the orphan parts; a dataset whose ledger is empty loses its tables too, and the next run loads its raw files again, each row once')
  ), ['table', 'json'], 'what was found (and repaired)')
    .addHelpText('after', `
A sweep refuses to load a dataset whose table holds rows but whose ledger is empty, and names
this command: loading its files again beside the rows already there would double every row.
Exit status: 0 when nothing is orphaned, or --fix repaired it; 1 when doctor found parts to
remove and --fix was not given, or a compaction is in progress; 2 for a usage error.

Examples:
  npx sluice doctor                   what is orphaned in ./lake, changing nothing
  npx sluice doctor orders --fix      remove the orphan parts of orders`)
    .action(async (dataset: string | undefined, flags: DoctorFlags) => {
      const json = outputFormat(flags) === 'json'
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      const { examineLake, repairDataset } = await import('./ops/lake-doctor')
      const reports = await examineLake(deps, dataset)
      const sick = reports.filter((r) => r.orphans.length > 0 || (r.ledgerEmpty && r.tables.length > 0))
      if (flags.fix) for (const report of sick) await repairDataset(deps, report)
      process.stdout.write(json ? `${JSON.stringify({ fixed: flags.fix === true, datasets: reports })}\n` : formatReports(reports, sick, flags.fix === true))
      if (sick.length > 0 && !flags.fix) process.exitCode = 1
    })
}

function formatReports(reports: OrphanReport[], sick: OrphanReport[], fixed: boolean): string {
  if (reports.length === 0) return 'doctor: the lake has no tables\n'
  const mb = (r: OrphanReport) => (r.orphans.reduce((n, o) => n + o.size, 0) / 1e6).toFixed(1)
  const state = (r: OrphanReport) => (!sick.includes(r) ? 'ok' : fixed ? (r.ledgerEmpty ? 'removed parts and tables' : 'removed parts') : r.ledgerEmpty ? 'ledger empty' : 'orphan parts')
  const rows = reports.map((r) => ({ dataset: r.dataset, state: state(r), 'orphan parts': String(r.orphans.length), MB: mb(r) }))
  const hint = sick.length === 0 ? '' : fixed ? 'The next run loads the raw files of these datasets again, each row once.\n' : 'Run `sluice doctor --fix` to remove them (raw files are never touched).\n'
  return formatTable(['dataset', 'state', 'orphan parts', 'MB'], rows) + hint
}
