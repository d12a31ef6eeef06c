import { Command, InvalidArgumentError, Option } from 'commander'
import { access } from 'node:fs/promises'
import { SluiceError } from '../functions/core/errors'
import { RejectThresholdError } from '../functions/core/transform/reject-threshold-error'
import { DEFAULT_MEMORY_BUDGET_MB } from '../functions/core/parquet/row-group-budget'
import { TRANSFORM_DEFAULTS } from '../functions/core/transform/transform-settings'
import type { Codec } from '../functions/core/parquet/parquet-schema'
import type { TransformStats } from '../functions/core/transform/transform-types'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'
import { formatTransformSummary } from './transform-summary'

interface TransformFlags extends OutputFlags {
  out: string
  rejects?: string
  contract?: string
  codec: Codec
  rejectThreshold?: number
  workers?: number
  memoryBudget?: number
}

function fraction(value: string): number {
  const n = Number(value)
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a fraction from 0 to 1, e.g. 0.05')
  return n
}

/** `sluice transform`: one CSV file to Parquet, locally. */
export function transformCommand(): Command {
  return withOutputOption(new Command('transform')
    .description('Transform one CSV file (.csv, .csv.gz or .csv.zst) into Parquet, with rejected rows in a rejects Parquet file.')
    .argument('<input>', 'CSV file: .csv, or compressed with gzip or zstd (.csv.gz, .csv.zst; detected from its bytes)')
    .requiredOption('--out <file.parquet>', 'Parquet file to write; a file larger than one part continues in <out>-1.parquet, <out>-2.parquet, …')
    .option('--rejects <file.parquet>', 'where rejected rows go (default: <out without .parquet>.rejects.parquet, written only when a row is rejected)')
    .option('--contract <file.json>', 'contract declaring columns, types, formats and dialect (see docs/contracts.md)')
    .addOption(new Option('--codec <codec>', 'Parquet compression').choices(['snappy', 'gzip', 'none']).default(TRANSFORM_DEFAULTS.codec))
    .option('--reject-threshold <fraction>', `fail the file when more than this fraction of rows is rejected (default: the contract's, else ${TRANSFORM_DEFAULTS.rejectThreshold})`, fraction)
    .option('--workers <n>', 'worker threads for an uncompressed file (default: min(cores, size ÷ 50 MB); 1 for one thread)', (v) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1')
      return n
    })
    .option('--memory-budget <MB>', `memory the transform may use; row groups are sized to fit it (default ${DEFAULT_MEMORY_BUDGET_MB})`, (v) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of megabytes')
      return n
    })
    , ['table', 'json'], 'the stats')
    .addHelpText(
      'after',
      `
Exit status: 0 when the file was transformed, also when some rows were rejected;
1 when the file failed (the reason, naming the file and line, goes to stderr);
2 for a usage error. A failed file leaves no output behind.

Examples:
  npx sluice transform sample-data/orders/orders-2024-05.csv --out orders.parquet
  npx sluice transform data.csv.gz --out data.parquet --contract data.contract.json --output json`,
    )
    .action(async (input: string, flags: TransformFlags) => {
      const json = outputFormat(flags) === 'json'
      const stats = await runTransform(input, flags)
      process.stdout.write(json ? `${JSON.stringify(stats)}\n` : formatTransformSummary(stats))
    })
}

async function runTransform(input: string, flags: TransformFlags): Promise<TransformStats> {
  try {
    await access(input)
  } catch (e) {
    throw new SluiceError(`input: cannot read ${input} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  const [{ readContractFile }, { fileByteSource, localFilePartSink }, { transformCsv }, { workerRangeRunner }] = await Promise.all([
    import('../functions/adapters/contract-file'), import('../functions/adapters/local-file'), import('../functions/core/transform/transform-csv'), import('../functions/adapters/range-workers'),
  ])
  const contract = flags.contract ? await readContractFile(flags.contract) : undefined
  try {
    return await transformCsv(fileByteSource(input), localFilePartSink({ out: flags.out, rejects: flags.rejects }), {
      sourceName: input,
      contract,
      codec: flags.codec,
      rejectThreshold: flags.rejectThreshold,
      workers: flags.workers,
      memoryBudgetMb: flags.memoryBudget,
      rangeRunner: workerRangeRunner(),
    })
  } catch (e) {
    // The rejects of a file over its threshold are kept: say where they are.
    if (e instanceof RejectThresholdError && e.rejectParts.length > 0) e.message += `; its rejects: ${e.rejectParts.map((p) => p.key).join(', ')}`
    throw e
  }
}
