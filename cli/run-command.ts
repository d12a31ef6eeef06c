import { Command, InvalidArgumentError } from 'commander'
import { join, posix } from 'node:path'
import { lakeFromFlags, withLakeOptions, withTableFormatOption, type LakeFlags } from './lake-options'
import { assertLakeFolder, assertNoLink, assertRawKey } from './lake-checks'
import type { LakeDeps } from '../functions/core/lake/step-deps'
import type { RunOptions } from './local/run-workflow'
import { holdStaging, removeDeadStaging } from './local/staging-lease'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'
import { formatRunSummary } from './run-summary'

interface RunFlags extends LakeFlags, OutputFlags {
  key?: string
  maxConcurrency?: number
  all?: boolean
  dryRun?: boolean
}

const count = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number')
  return n
}

const rawKey = (value: string) => {
  if (value.trim() === '') throw new InvalidArgumentError('must name a raw key such as orders/orders-2024-05.csv (leave --key out to sweep the raw zone)')
  // A key is a path inside raw/, written once: `.`, `..` and doubled slashes would name a file
  // that the sweep knows by another key (or none), and load nothing.
  const normal = posix.normalize(value)
  if (value.startsWith('/') || normal === '..' || normal.startsWith('../')) throw new InvalidArgumentError(`${value} leaves the raw zone; a key is a path inside raw/ such as orders/orders-2024-05.csv`)
  if (normal !== value) throw new InvalidArgumentError(`${value} is not a normalized key; write it as ${normal}`)
  return value
}

/** `sluice run`: one execution of the workflow, here, over the lake. */
export function runCommand(): Command {
  return withOutputOption(withTableFormatOption(withLakeOptions(
    new Command('run')
      .description('Run the ETL workflow once (statemachine/etl.asl.json, with the real step handlers in this process): every new or changed CSV in the raw zone is transformed and loaded.')
      .option('--key <rawKey>', 'process only this raw key, as the on-drop trigger does ({"trigger":"object","key":…}); default: sweep the whole raw zone', rawKey)
      .option('--max-concurrency <n>', 'files transformed at once (the Map state\'s MaxConcurrency; 0 = no limit)', count)
      .option('--all', 'list every file in the summary, not only the failed, quarantined and rejecting ones')
      .option('--dry-run', 'list the files the run would process and why (new, changed, gone, …), and write nothing'),
  )), ['table', 'json'], 'the run summary (json: the run report, one JSON object per line, a run past its file cap followed by its successor)')
    .addHelpText('after', `
The lake folder holds raw/ (drop CSVs here, one folder per dataset), curated/ (Parquet,
ledger, run reports) and catalog/ (Glue-shaped table definitions). A --lake that holds
neither raw/ nor curated/ is an error (npm start seeds ./lake with the sample data).
Exit status: 0 when every file loaded (or there was nothing to do); 1 when a file failed
(the report names it and why; the other files are loaded) or the lake or key does not
exist; 2 for a usage error.

Examples:
  npx sluice run                                   sweep ./lake/raw
  npx sluice run --lake ./lake --all               a lake folder; list every file in the summary
  npx sluice run --key orders/orders-2024-05.csv   one dropped file, as the on-drop trigger does
  npx sluice run --dry-run                         what a run would process, and why
  npx sluice run --output json > report.json       the run report as JSON`)
    .action(async (flags: RunFlags) => {
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      if (flags.key !== undefined && !flags.s3Endpoint) await assertNoLink(join(root, 'raw'), flags.key)
      if (flags.key !== undefined) await assertRawKey(deps.raw, deps.curated, flags.key, flags.s3Endpoint ? `s3://${flags.rawBucket}` : join(root, 'raw'))
      const input = {
        ...(flags.key !== undefined ? { trigger: 'object', key: flags.key } : { trigger: 'schedule' }),
        ...(flags.maxConcurrency !== undefined ? { maxConcurrency: flags.maxConcurrency } : {}),
      }
      if (flags.dryRun) return printDryRun(deps, input, flags)
      // After each Load the workflow's UpdateSite step rewrites <lake>/site/, as the Site Lambda does on AWS.
      const { localSiteStep } = await import('./site/local-site')
      const site = localSiteStep(deps, root, flags.s3Endpoint ? undefined : join(root, 'curated'))
      await runAndReport(deps, input, flags, site)
    })
}

/**
 * Runs the workflow with this input and prints its summary (or report with `json`), then the
 * successors of a run past its file cap, as on AWS; sets exit status 1 when a run failed.
 */
export async function runAndReport(
  deps: LakeDeps,
  input: unknown,
  flags: OutputFlags & { all?: boolean },
  site?: RunOptions['site'],
): Promise<void> {
  const json = outputFormat(flags) === 'json'
  const [{ runLocally }, { ProgressBoard }, { newRunId }] = await Promise.all([import('./local-run'), import('./progress-board'), import('./local/run-workflow')])
  const chain: { runId?: string; input: unknown }[] = [{ input }]
  // Staging that runs killed before they could clean up left behind.
  await removeDeadStaging(deps.curated)
  for (let next = chain.shift(); next; next = chain.shift()) {
    const board = json ? undefined : new ProgressBoard()
    const runId = next.runId ?? newRunId()
    const staging = await holdStaging(deps.curated, runId)
    try {
      const onSuccessor = (successor: string, successorInput: unknown) => chain.push({ runId: successor, input: successorInput })
      const { report, failure } = await runLocally(deps, next.input, { board, onSuccessor, runId, ...(site ? { site } : {}) })
      board?.stop()
      process.stdout.write(json ? `${JSON.stringify(report)}\n` : formatRunSummary(report, { all: flags.all }))
      if (failure) {
        process.stderr.write(`sluice: ${failure.cause}\n`)
        process.exitCode = 1
      }
    } finally {
      board?.stop()
      // Whatever the run left staged is of no use once it has ended.
      await staging.release()
    }
  }
}

/** `--dry-run`: prints what a run with this input would process, and writes nothing. */
export async function printDryRun(deps: LakeDeps, input: unknown, flags: OutputFlags): Promise<void> {
  const { dryRun, formatDryRun } = await import('./dry-run')
  const planned = await dryRun(deps, input)
  process.stdout.write(outputFormat(flags) === 'json' ? `${JSON.stringify(planned)}\n` : formatDryRun(planned))
}
