import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { awsCommand } from './aws-command'
import { compactCommand } from './compact-command'
import { doctorCommand } from './doctor-command'
import { queryCommand, tablesCommand } from './query-command'
import { dropCommand, reprocessCommand, runsCommand, statusCommand } from './lake-ops-command'
import { receiptCommand } from './receipt-command'
import { retryCommand } from './retry-command'
import { runCommand } from './run-command'
import { siteCommand } from './site-command'
import { transformCommand } from './transform-command'
import { UsageError } from './usage-error'

// The AWS SDK prints a 9-line NodeVersionSupportWarning on Node 20 at the first client it
// builds. The SDK documents this variable to turn it off (aws/aws-sdk-js-v3#7983); sluice
// supports Node 20.18+, and says so in the README. Clients are built in actions, after this.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

const program = new Command('sluice')
  .description('Turn CSV drops into a queryable Parquet data lake.')
  .version(version, '-V, --version', 'print the version of sluice')
  .addCommand(runCommand())
  .addCommand(queryCommand())
  .addCommand(tablesCommand())
  .addCommand(runsCommand())
  .addCommand(statusCommand())
  .addCommand(receiptCommand())
  .addCommand(retryCommand())
  .addCommand(reprocessCommand())
  .addCommand(dropCommand())
  .addCommand(compactCommand())
  .addCommand(doctorCommand())
  .addCommand(siteCommand())
  .addCommand(transformCommand())
  .addCommand(awsCommand())
  .addHelpText('after', `
Paths are relative to the directory the command was typed in (also through npm run).

Examples:
  npm start                                         seed ./lake with the sample data and run it
  npx sluice run --lake ./lake                      load new and changed CSVs of a lake
  npx sluice query "SELECT * FROM orders LIMIT 5"   SQL over the lake with DuckDB
  npx sluice status                                 what is loaded, pending, failed, quarantined
  npx sluice runs                                   the run history, newest first
  npx sluice receipt orders/orders-2024-06.csv      what became of one raw file
  npx sluice reprocess orders                       rebuild a table after a contract change
  npx sluice compact orders                         merge the small Parquet parts of a dataset
  npx sluice site --serve                           the lake's status site on http://127.0.0.1:8080/
  npx sluice transform data.csv --out data.parquet  one file, no lake
  npx sluice aws start --wait                       a run of the deployed stack
  npx sluice <command> --help                       each command's options and examples`)

const everyCommand = (c: Command): Command[] => [c, ...c.commands.flatMap(everyCommand)]
const pathOf = (c: Command): string => (c.parent ? `${pathOf(c.parent)} ${c.name()}` : c.name())
const hintFor = (c: Command) => `Run '${pathOf(c)} --help' for its options and examples.`

// A usage error is one line and a hint, not the whole help; --help and usage errors end in a
// CommanderError instead of exiting, on every command.
let active: Command = program
for (const command of everyCommand(program)) {
  command
    .configureOutput({ outputError: (text, write) => write(`${pathOf(command)}: ${text.replace(/^error: /, '').trimEnd().replace(/\s*\n\s*/g, ' ')}\n`) })
    .showHelpAfterError(hintFor(command))
    .exitOverride()
    .hook('preAction', (_self, action) => {
      active = action
    })
}

try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2
  } else if (e instanceof UsageError) {
    process.stderr.write(`${pathOf(active)}: ${e.message}\n${hintFor(active)}\n`)
    process.exitCode = 2
  } else {
    const error = e as Error
    process.stderr.write(`sluice: ${error.name}: ${error.message}\n`)
    process.exitCode = 1
  }
}
