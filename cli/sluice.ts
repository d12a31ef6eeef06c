import { CommanderError, type Command } from 'commander'
import { errorLine } from './error-line'
import { hintFor, pathOf, sluiceProgram } from './program'
import { UsageError } from './usage-error'

let active: Command | undefined
const program = sluiceProgram((command) => {
  active = command
})

// A reader that stops early (`| head`) closes the pipe: that ends the output, not in an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e
  process.exit(process.exitCode ?? 0)
})

try {
  await program.parseAsync(process.argv)
} catch (e) {
  const command = active ?? program
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2
  } else if (e instanceof UsageError) {
    process.stderr.write(`${errorLine(pathOf(command), e)}\n${hintFor(command)}\n`)
    process.exitCode = 2
  } else {
    process.stderr.write(`${errorLine(pathOf(command), e)}\n`)
    if (process.env['SLUICE_DEBUG'] && e instanceof Error) process.stderr.write(`${e.stack}\n`)
    process.exitCode = 1
  }
}
