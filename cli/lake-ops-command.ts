import { createInterface } from 'node:readline/promises'
import { Command, InvalidArgumentError } from 'commander'
import { datasetName } from '../functions/core/lake/lake-layout'
import { formatTable, terminalWidth } from './format-table'
import { assertLakeFolder, NotFoundError } from './lake-checks'
import { lakeFromFlags, withLakeOptions, withTableFormatOption, type LakeFlags } from './lake-options'
import { printRecords } from './output/print-records'
import { outputFormat, withOutputOption, type OutputFlags, type OutputFormat } from './output/output-format'
import { dropDataset, planDrop } from './ops/drop-dataset'
import { lakeStatus, type DatasetStatus } from './ops/lake-status'
import { runHistory, type RunSummary } from './ops/run-history'
import { printDryRun, runAndReport } from './run-command'
import { UsageError } from './usage-error'

interface OpsFlags extends LakeFlags, OutputFlags {
  all?: boolean
}

/** A dataset argument: the name of a data table (never a `__rejects` one). */
export const datasetArgument = (value: string) => {
  if (datasetName(value) !== value || value.includes('__')) {
    throw new InvalidArgumentError(`must be a dataset's table name, such as orders (lower snake_case; a <dataset>__rejects table goes with its dataset)`)
  }
  return value
}

const limitOption = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1')
  return n
}

/** `sluice reprocess <dataset>`: rebuild a dataset's table from its raw files. */
export function reprocessCommand(): Command {
  return withOutputOption(withTableFormatOption(withLakeOptions(
    new Command('reprocess')
      .description('Rebuild a dataset\'s table from its raw files with the current contract and inference, into a new generation that replaces the table only once it is complete: queries see the old table until then. Use it after a contract change, to drop variant columns no file needs any more, or to change the partitioning.')
      .argument('<dataset>', 'the dataset (its table name), e.g. orders', datasetArgument)
      .option('--all', 'list every file in the summary, not only the failed, quarantined and rejecting ones')
      .option('--dry-run', 'list the files the rebuild would transform, and write nothing'),
  )), ['table', 'json'], 'the run summary (json: the run report)')
    .addHelpText('after', `
Every raw file of the dataset is transformed again (quarantined ones too); the rows get the
ingest date of this run. Files dropped while it runs are loaded into the new table as well.
Exit status: 0 when every file loaded; 1 when a file failed or the raw zone holds no file of
the dataset; 2 for a usage error. A quarantined file's rejects go to <dataset>__rejects and the
rebuilt table goes live without its rows (empty, when every file is quarantined); a file that
failed for another reason (storage, a timeout) keeps the old table live, whole.

Examples:
  npx sluice reprocess orders                        after editing raw/_contracts/orders.json
  npx sluice reprocess orders --dry-run              the files it would transform
  npx sluice reprocess orders --lake ./lake --output json`)
    .action(async (dataset: string, flags: OpsFlags & { dryRun?: boolean }) => {
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      const input = { trigger: 'reprocess', dataset }
      if (flags.dryRun) return printDryRun(deps, input, flags)
      await runAndReport(deps, input, flags)
    })
}

/** `sluice drop <dataset>`: remove a dataset's tables, ledger and curated objects. */
export function dropCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('drop')
      .description('Remove a dataset from the lake: its table and <dataset>__rejects table, its ledger and its curated Parquet. Its raw files stay, so the next run loads them again as new.')
      .argument('<dataset>', 'the dataset (its table name), e.g. orders', datasetArgument)
      .option('--yes', 'do not ask for confirmation (needed without a terminal)'),
  ), ['table', 'json'], 'what was removed')
    .addHelpText('after', `
Without --yes it lists what it will remove and asks; without a terminal it refuses (exit 2).
Exit status: 0 when dropped (or declined); 1 when the lake has no such dataset; 2 for a
usage error.

Examples:
  npx sluice drop orders
  npx sluice drop orders --yes --lake ./lake`)
    .action(async (dataset: string, flags: OpsFlags & { yes?: boolean }) => {
      const json = outputFormat(flags) === 'json'
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      const plan = await planDrop(deps, dataset)
      if (plan.tables.length === 0 && plan.objects.length === 0 && plan.ledger.length === 0) {
        const tables = (await deps.catalog.listTables(deps.database)).map((t) => t.Name).filter((n) => !n.includes('__'))
        throw new NotFoundError(`drop: no dataset ${dataset} in the lake; datasets: ${tables.join(', ') || 'none'}`)
      }
      const what = `${plan.tables.map((t) => `table ${deps.database}.${t}`).join(', ') || 'no table'}, ${plan.objects.length} curated object(s) and ${plan.ledger.length} ledger object(s) of ${dataset}; raw files stay`
      if (!flags.yes) {
        if (!process.stdin.isTTY) throw new UsageError(`would remove ${what}; pass --yes to confirm without a terminal`)
        const prompt = createInterface({ input: process.stdin, output: process.stderr })
        const answer = await prompt.question(`This removes ${what}. Drop ${dataset}? [y/N] `).finally(() => prompt.close())
        if (!/^y(es)?$/i.test(answer.trim())) {
          process.stderr.write('sluice drop: nothing removed\n')
          return
        }
      }
      await dropDataset(deps, plan)
      process.stdout.write(json ? `${JSON.stringify(plan)}\n` : `dropped ${what}\n`)
    })
}

/** `sluice runs`: the run reports, newest first. */
export function runsCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('runs')
      .description('List the runs of the lake from their run reports, newest first, with their totals.')
      .option('--limit <n>', 'how many runs', limitOption, 20),
  ), ['table', 'csv', 'json'], 'the runs (json: the reports without their file lists)')
    .addHelpText('after', `
\`sluice run --output json\` or the report itself (curated/_runs/<run id>.json) has each file of a run.

Examples:
  npx sluice runs
  npx sluice runs --limit 5 --output json`)
    .action(async (flags: OpsFlags & { limit: number }) => {
      const format = outputFormat(flags)
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      const runs = await runHistory(deps.curated, flags.limit)
      if (format === 'table') process.stdout.write(formatRuns(runs))
      else printRecords(format, RUN_COLUMNS, runRows(runs), runs)
    })
}

const RUN_COLUMNS = ['run', 'trigger', 'started', 'status', 'files', 'loaded', 'failed', 'quarantined', 'skipped', 'rows in', 'rows loaded', 'rejected']

const runRows = (runs: RunSummary[]) => runs.map((r) => ({
  run: r.runId, trigger: r.trigger, started: r.startedAt, status: r.status, files: r.totals.files, loaded: r.totals.loaded,
  failed: r.totals.failed, quarantined: r.totals.quarantined ?? 0, skipped: r.totals.skipped, 'rows in': r.totals.rowsIn, 'rows loaded': r.totals.rowsOut, rejected: r.totals.rowsRejected,
}))

/** The runs as a table. */
export function formatRuns(runs: RunSummary[]): string {
  if (runs.length === 0) return 'no runs yet: `sluice run` loads the raw zone\n'
  return formatTable(RUN_COLUMNS, runRows(runs), { width: terminalWidth() })
}

/** `sluice status`: per dataset, what is loaded, pending, failing and quarantined. */
export function statusCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('status')
      .description('Show each dataset: its last load, its rows, the raw files pending (not loaded yet), and the failed and quarantined files with their reasons.'),
  ), ['table', 'csv', 'json'], 'the status (csv: one row per dataset)')
    .addHelpText('after', `
Rows are those of the committed files as their loads counted them. A quarantined file is
retried with \`sluice retry <key>\`, or when it changes.
Exit status: 0 when no file failed or is quarantined (pending files are fine); 1 when one
did, or the lake does not exist, so a monitor can run it; 2 for a usage error.

Examples:
  npx sluice status
  npx sluice status --lake ./lake --output json`)
    .action(async (flags: OpsFlags) => {
      const format = outputFormat(flags)
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      printStatus(format, await lakeStatus(deps))
    })
}

/** Prints the status: the tables of formatStatus, one CSV row per dataset, or the JSON. */
export function printStatus(format: OutputFormat, status: DatasetStatus[]): void {
  if (format === 'table') process.stdout.write(formatStatus(status))
  else printRecords(format, DATASET_COLUMNS, datasetRows(status), status)
  if (needsAttention(status)) process.exitCode = 1
}

/** Whether a file failed or is quarantined: `status` then exits 1, as `dbt source freshness` does on an error. */
export const needsAttention = (status: DatasetStatus[]) => status.some((s) => s.failed.length > 0 || s.quarantined.length > 0)

const DATASET_COLUMNS = ['dataset', 'last load', 'files', 'rows', 'pending', 'failed', 'quarantined']

const datasetRows = (status: DatasetStatus[]) => status.map((s) => ({
  dataset: s.dataset, 'last load': s.lastLoad ?? 'never', files: s.files, rows: s.rows, pending: s.pending.length, failed: s.failed.length, quarantined: s.quarantined.length,
}))

/** The status for a terminal: one line per dataset, then each file that needs attention. */
export function formatStatus(status: DatasetStatus[]): string {
  if (status.length === 0) return 'no datasets yet: drop CSV files into <lake>/raw/<dataset>/ and run `sluice run`\n'
  const files = status.flatMap((s) => [
    ...s.failed.map((f) => ({ dataset: s.dataset, file: f.key, state: 'failed', reason: f.reason })),
    ...s.quarantined.map((f) => ({ dataset: s.dataset, file: f.key, state: 'quarantined', reason: `${f.reason}; \`sluice retry ${f.key}\`` })),
    ...s.pending.map((f) => ({ dataset: s.dataset, file: f.key, state: 'pending', reason: f.reason })),
  ])
  const width = terminalWidth()
  const sections = [formatTable(DATASET_COLUMNS, datasetRows(status), { width })]
  if (files.length > 0) sections.push(formatTable(['dataset', 'file', 'state', 'reason'], files, { width }))
  return sections.join('\n')
}
