import { readFileSync } from 'node:fs'
import { Command } from 'commander'
import { awsCommand } from './aws-command'
import { compactCommand } from './compact-command'
import { convertCommand } from './convert-command'
import { expireCommand } from './expire-command'
import { doctorCommand } from './doctor-command'
import { historyCommand } from './history-command'
import { CONFIG_FILE } from './lake-config'
import { queryCommand, tablesCommand } from './query-command'
import { dropCommand, reprocessCommand, runsCommand, statusCommand } from './lake-ops-command'
import { receiptCommand } from './receipt-command'
import { retryCommand } from './retry-command'
import { runCommand } from './run-command'
import { siteCommand } from './site-command'
import { transformCommand } from './transform-command'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

// One line each in the top-level help, which fits one screen; each command's --help has the rest.
const summaries: Record<string, string> = {
  run: 'load the new and changed CSV files of the raw zone',
  query: 'SQL over the lake with DuckDB',
  tables: 'the tables with their rows, partitions and columns',
  history: 'the snapshots of a dataset\'s Iceberg table',
  runs: 'the run history, newest first',
  status: 'per dataset: loaded, pending, failed, quarantined',
  receipt: 'what became of one raw file',
  retry: 'lift a file\'s quarantine and load it again',
  reprocess: 'rebuild a dataset\'s table, e.g. after a contract change',
  drop: 'remove a dataset\'s tables and Parquet (raw files stay)',
  compact: 'merge the small Parquet parts of a dataset',
  convert: 'make a dataset\'s tables Iceberg tables, parts as they are',
  expire: 'drop Iceberg snapshots (and parts) past retention',
  doctor: 'find (and --fix) Parquet parts no ledger entry owns',
  site: 'write (and serve) the lake\'s status site',
  transform: 'one CSV file to Parquet, no lake',
  aws: 'operate the stack deployed on AWS',
}

/** Every command under `c`, `c` first. */
export const everyCommand = (c: Command): Command[] => [c, ...c.commands.flatMap(everyCommand)]
/** `sluice aws query` for the command `query` under `aws`. */
export const pathOf = (c: Command): string => (c.parent ? `${pathOf(c.parent)} ${c.name()}` : c.name())
/** The hint under a usage error. */
export const hintFor = (c: Command) => `Run '${pathOf(c)} --help' for its options and examples.`

/**
 * The `sluice` command line: every command with its options, help and examples. A usage
 * error is one line and a hint, not the whole help; usage errors and --help end in a
 * CommanderError instead of exiting. `onAction` learns which command is about to run.
 */
export function sluiceProgram(onAction: (command: Command) => void = () => {}): Command {
  const program = new Command('sluice')
    .description('Turn CSV drops into a queryable Parquet data lake.')
    .version(version, '-V, --version', 'print the version of sluice')
    .helpCommand(false)
    .configureHelp({ subcommandTerm: (c) => c.name() })
  for (const command of [
    runCommand(), queryCommand(), tablesCommand(), historyCommand(), runsCommand(), statusCommand(), receiptCommand(), retryCommand(),
    reprocessCommand(), dropCommand(), compactCommand(), convertCommand(), expireCommand(), doctorCommand(), siteCommand(), transformCommand(), awsCommand(),
  ]) program.addCommand(command.summary(summaries[command.name()] ?? ''))
  program.addHelpText('after', `
The lake is --lake, else $SLUICE_LAKE, else "lake" in ./${CONFIG_FILE}, else ./lake.
Paths are relative to the directory the command was typed in (also through npm run).

Examples:
  npx sluice run                                    load ./lake/raw into ./lake
  npx sluice query "SELECT * FROM orders LIMIT 5"   SQL over the lake with DuckDB
  npx sluice status                                 what needs attention
  npx sluice receipt orders/orders-2024-06.csv      what became of one raw file
  npx sluice aws status                             the same, for the deployed stack
  npx sluice query --help                           each command's options and examples`)

  for (const command of everyCommand(program)) {
    command
      .configureOutput({ outputError: (text, write) => write(`${pathOf(command)}: ${text.replace(/^error: /, '').trimEnd().replace(/\s*\n\s*/g, ' ')}\n`) })
      .showHelpAfterError(hintFor(command))
      .exitOverride()
      .hook('preAction', (_self, action) => onAction(action))
  }
  return program
}
