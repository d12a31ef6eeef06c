import { Option, type Command } from 'commander'
import { join } from 'node:path'
import type { LakeDeps } from '../functions/core/lake/step-deps'
import { TABLE_FORMAT_NAMES, TABLE_FORMAT_VARIABLE, type TableFormatName } from '../functions/core/table-format/table-format-setting'
import { tableFormatEnv } from '../functions/adapters/env-config'
import { readLakeConfig } from './lake-config'
import { realCatalog, tableFormatCatalog } from '../functions/adapters/table-format-catalog'
import { localLake } from './local/local-lake'
import { partitionFiles, type PartitionFiles } from './query/partition-files'
import { UsageError } from './usage-error'

export interface LakeFlags {
  lake: string
  database: string
  s3Endpoint?: string
  rawBucket?: string
  curatedBucket?: string
  /** Set by the commands that run the workflow (withTableFormatOption). */
  tableFormat?: TableFormatName
}

const config = readLakeConfig()

/** Adds the options every lake command shares. */
export function withLakeOptions(command: Command): Command {
  return command
    .addOption(new Option('--lake <dir>', 'the local lake folder: raw/, curated/ and catalog/').env('SLUICE_LAKE').default(config.lake))
    .option('--database <name>', 'catalog database of the curated tables', config.database)
    .option('--s3-endpoint <url>', 'use S3 buckets at this endpoint (any S3 server, path-style) for the raw and curated zones; the catalog stays in <lake>/catalog; credentials come from the usual AWS environment variables or profile')
    .option('--raw-bucket <bucket>', 'raw zone bucket, with --s3-endpoint')
    .option('--curated-bucket <bucket>', 'curated zone bucket, with --s3-endpoint')
}

/**
 * Adds `--table-format` to a command that runs the workflow: the format new tables are
 * created in. The flag, else SLUICE_TABLE_FORMAT, else sluice.config.json, else the format of
 * the lake's tables (Hive if it has a Hive table, Iceberg for a new lake).
 */
export function withTableFormatOption(command: Command): Command {
  return command.addOption(
    new Option('--table-format <format>', 'the format new tables are created in, unless a dataset\'s contract names its own; an existing table keeps its format. Unset: the format of the lake\'s tables, hive if it has a Hive table, iceberg for a new lake (docs/iceberg.md)')
      .choices(TABLE_FORMAT_NAMES)
      .env(TABLE_FORMAT_VARIABLE)
      .default(config.tableFormat),
  )
}

/**
 * The lake's table format setting: `--table-format` where the command has it, else
 * SLUICE_TABLE_FORMAT, else sluice.config.json; undefined when none names one (the lake's
 * tables decide).
 */
function lakeTableFormat(flags: LakeFlags): TableFormatName | undefined {
  if (flags.tableFormat) return flags.tableFormat
  return process.env[TABLE_FORMAT_VARIABLE] ? tableFormatEnv() : config.tableFormat
}

/**
 * The lake the flags describe, and how to find local Parquet files for its catalog locations.
 * The S3 client is loaded only for --s3-endpoint.
 */
export async function lakeFromFlags(flags: LakeFlags): Promise<{ deps: LakeDeps; files: PartitionFiles; root: string }> {
  if (config.problem) throw config.problem
  const local = localLake(flags.lake, flags.database, lakeTableFormat(flags))
  const cache = join(local.root, '.cache')
  if (!flags.s3Endpoint) return { deps: local, files: partitionFiles({}, cache), root: local.root }
  if (!flags.rawBucket || !flags.curatedBucket) {
    throw new UsageError('--s3-endpoint needs --raw-bucket and --curated-bucket')
  }
  const [{ s3Client }, { s3ObjectStore }] = await Promise.all([import('../functions/adapters/aws-clients'), import('../functions/adapters/s3-object-store')])
  const client = s3Client({ endpoint: flags.s3Endpoint, forcePathStyle: true })
  const raw = s3ObjectStore(client, flags.rawBucket)
  const curated = s3ObjectStore(client, flags.curatedBucket)
  return {
    // Iceberg tables' working definitions live in the curated zone the flags name.
    deps: { ...local, raw, curated, catalog: tableFormatCatalog(realCatalog(local.catalog), curated, { raw, lakeDefault: local.tableFormat }) },
    files: partitionFiles({ [flags.rawBucket]: raw, [flags.curatedBucket]: curated }, cache),
    root: local.root,
  }
}
