import { Option, type Command } from 'commander'
import { UsageError } from '../usage-error'

/** How a command prints its result: an aligned table for a person, or a format for a program. */
export type OutputFormat = 'table' | 'json' | 'jsonl' | 'csv'

export interface OutputFlags {
  output?: OutputFormat
  /** The older spelling of `--output json`, kept as a hidden alias. */
  json?: boolean
}

/**
 * Adds `--output <format>` with the formats this command can print, and the hidden `--json`
 * alias of `--output json`. `table` is the default.
 */
export function withOutputOption(command: Command, formats: readonly OutputFormat[], what = 'the result'): Command {
  return command
    .addOption(new Option('--output <format>', `print ${what} as ${formats.join(', ')} (default: table)`).choices(formats))
    .addOption(new Option('--json', 'the same as --output json').hideHelp())
}

/** The format the flags ask for; `--json` with another `--output` is a usage error. */
export function outputFormat(flags: OutputFlags): OutputFormat {
  if (flags.json && flags.output && flags.output !== 'json') throw new UsageError(`--json is --output json; it cannot go with --output ${flags.output}`)
  return flags.json ? 'json' : (flags.output ?? 'table')
}
