import { Command } from 'commander'
import { assertLakeFolder } from './lake-checks'
import { lakeFromFlags, withLakeOptions, withTableFormatOption, type LakeFlags } from './lake-options'
import { loadedAlready, releaseQuarantine } from './ops/retry-file'
import { datasetOfKey } from '../functions/core/lake/lake-layout'
import { withOutputOption, type OutputFlags } from './output/output-format'
import { runAndReport } from './run-command'

interface RetryFlags extends LakeFlags, OutputFlags {
  run: boolean
}

/** `sluice retry <key>`: lifts a file's quarantine and processes it again. */
export function retryCommand(): Command {
  return withOutputOption(withTableFormatOption(withLakeOptions(
    new Command('retry')
      .description('Lift the quarantine of a raw file and process it again now. A file that failed for a reason a retry cannot change (rejects over the threshold, not text, a broken contract) is quarantined: no run tries that version again until the file changes or it is retried.')
      .argument('<key>', 'the raw key, as `sluice status` lists it, e.g. returns/returns-2024-06.csv')
      .option('--no-run', 'only lift the quarantine; the next run processes the file'),
  )), ['table', 'json'], 'the run summary (json: the run report)')
    .addHelpText('after', `
Exit status: 0 when the file loaded; 1 when it failed again (and is quarantined again), is
not quarantined, or is loaded already (after a contract change, \`sluice reprocess <dataset>\`
loads it again); 2 for a usage error.

Examples:
  npx sluice retry returns/returns-2024-06.csv       after fixing the contract it broke
  npx sluice retry returns/returns-2024-06.csv --no-run
  npx sluice status                                  list the quarantined files and why`)
    .action(async (key: string, flags: RetryFlags) => {
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      if (await loadedAlready(deps, key)) {
        // E.g. a reprocess quarantined it, but was not swapped in: an earlier load of this version stays in the table.
        process.stderr.write(`sluice retry: ${key} is loaded already in this version, under the contract of its load, and a run skips it: to load the dataset's files again under its current contract, run \`sluice reprocess ${datasetOfKey(key)}\`\n`)
        process.exitCode = 1
        return
      }
      const released = await releaseQuarantine(deps.curated, key)
      process.stderr.write(`sluice retry: ${key} is out of quarantine (${released.length} version(s); it failed with ${released[0]!.reason.slice(0, 200)})\n`)
      if (flags.run) await runAndReport(deps, { trigger: 'object', key }, flags)
    })
}
