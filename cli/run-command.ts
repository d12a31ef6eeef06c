import { Command, InvalidArgumentError } from 'commander'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { runLocally } from './local-run'
import { ProgressBoard } from './progress-board'
import { formatRunSummary } from './run-summary'

interface RunFlags extends LakeFlags {
  key?: string
  maxConcurrency?: number
  json?: boolean
}

const count = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number')
  return n
}

/** `sluice run`: one execution of the workflow, here, over the lake. */
export function runCommand(): Command {
  return withLakeOptions(
    new Command('run')
      .description('Run the ETL workflow once (statemachine/etl.asl.json, with the real step handlers in this process): every new or changed CSV in the raw zone is transformed and loaded.')
      .option('--key <rawKey>', 'process only this raw key, as the on-drop trigger does ({"trigger":"object","key":…}); default: sweep the whole raw zone')
      .option('--max-concurrency <n>', 'files transformed at once (the Map state\'s MaxConcurrency; 0 = no limit)', count)
      .option('--json', 'print the run report as one JSON object on stdout'),
  )
    .addHelpText('after', `
The lake folder holds raw/ (drop CSVs here, one folder per dataset), curated/ (Parquet,
ledger, run reports) and catalog/ (Glue-shaped table definitions).
Exit status: 0 when every file loaded (or there was nothing to do); 1 when a file failed
(the report names it and why; the other files are loaded); 2 for a usage error.`)
    .action(async (flags: RunFlags) => {
      const { deps, root } = lakeFromFlags(flags)
      if (!flags.s3Endpoint) await mkdir(join(root, 'raw'), { recursive: true })
      const input = {
        ...(flags.key ? { trigger: 'object', key: flags.key } : { trigger: 'schedule' }),
        ...(flags.maxConcurrency !== undefined ? { maxConcurrency: flags.maxConcurrency } : {}),
      }
      const { report, failure } = await runLocally(deps, input, { board: flags.json ? undefined : new ProgressBoard() })
      process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatRunSummary(report))
      if (failure) {
        process.stderr.write(`sluice: ${failure.error}: ${failure.cause}\n`)
        process.exitCode = 1
      }
    })
}
