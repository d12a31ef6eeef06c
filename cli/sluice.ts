import { Command, CommanderError } from 'commander'
import { awsCommand } from './aws-command'
import { queryCommand, tablesCommand } from './query-command'
import { runCommand } from './run-command'
import { transformCommand } from './transform-command'

const program = new Command('sluice')
  .description('Turn CSV drops into a queryable Parquet data lake.')
  .addCommand(runCommand())
  .addCommand(queryCommand())
  .addCommand(tablesCommand())
  .addCommand(transformCommand())
  .addCommand(awsCommand())

// Usage errors and --help end in a CommanderError instead of exiting, on every command.
const everyCommand = (c: Command): Command[] => [c, ...c.commands.flatMap(everyCommand)]
for (const command of everyCommand(program)) command.showHelpAfterError().exitOverride()

try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2
  } else {
    const error = e as Error
    process.stderr.write(`sluice: ${error.name}: ${error.message}\n`)
    process.exitCode = 1
  }
}
