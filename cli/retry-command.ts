import { Command } from 'commander'
import { assertLakeFolder } from './lake-checks'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { releaseQuarantine } from './ops/retry-file'
import { withOutputOption, type OutputFlags } from './output/output-format'
import { runAndReport } from './run-command'

interface RetryFlags extends LakeFlags, OutputFlags {
  run: boolean
}

/** `sluice retry <key>`: lifts a file's quarantine and processes it again. */
export function retryCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('retry')
      .description('Lift the quarantine of a raw file and process it again now. A file that failed for a reason a retry cannot change (rejects over the threshold, not text, a broken contract) is quarantined: no run tries that version again until the file changes or it is retried.')
      .argument('<key>', 'the raw key, as `sluice status` lists it, e.g. returns/returns-2024-06.csv')
      .option('--no-run', 'only lift the quarantine; the next run processes the file'),
  ), ['table', 'json'], 'the run summary (json: the run report)')
    .addHelpText('after', `
Exit status: 0 when the file loaded; 1 when it failed again (and is quarantined again) or is
not quarantined; 2 for a usage error.

Examples:
  npx sluice retry returns/returns-2024-06.csv       after fixing the contract it broke
  npx sluice retry returns/returns-2024-06.csv --no-run
  npx sluice status                                  list the quarantined files and why`)
    .action(async (key: string, flags: RetryFlags) => {
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      const released = await releaseQuarantine(deps.curated, key)
      process.stderr.write(`sluice retry: ${key} is out of quarantine (${released.length} version(s); it failed with ${released[0]!.reason.slice(0, 200)})\n`)
      if (flags.run) await runAndReport(deps, { trigger: 'object', key }, flags)
    })
}
